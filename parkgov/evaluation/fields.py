"""The per-firm input fields a rule set may refer to, with their types and units (the engine's vocabulary)."""

NUMBER = "number"
TEXT = "text"

# name → (type, unit, Chinese label)
INPUT_FIELDS = {
    "tax": (NUMBER, "万元", "评价税收"),
    "revenue": (NUMBER, "万元", "营业收入"),
    "output_value": (NUMBER, "万元", "工业总产值"),
    "value_added": (NUMBER, "万元", "工业增加值"),
    "energy_tce": (NUMBER, "吨标准煤", "综合能耗"),
    "electricity_10k_kwh": (NUMBER, "万千瓦时", "用电量"),
    "water_10k_t": (NUMBER, "万吨", "用水量"),
    "emissions_t": (NUMBER, "吨", "主要污染物排放量"),
    "rd_expense": (NUMBER, "万元", "研发经费支出"),
    "employees": (NUMBER, "人", "年平均职工人数"),
    "fixed_investment": (NUMBER, "万元", "固定资产投资"),
    "land_mu": (NUMBER, "亩", "用地面积"),
    "own_land_mu": (NUMBER, "亩", "自有用地面积"),
    "leased_land_mu": (NUMBER, "亩", "租用用地折算面积"),
    "let_land_mu": (NUMBER, "亩", "出租给单独评价企业的用地面积"),
    "years_in_production": (NUMBER, "年", "投产年数"),
    "tenants": (NUMBER, "家", "出租厂房承租企业数"),
    "tenants_below_scale": (NUMBER, "家", "出租厂房承租规下企业数"),
    "findings_major": (NUMBER, "条", "本年度重大检查发现数"),
    "findings_safety_major": (NUMBER, "条", "本年度重大安全生产问题数"),
    "findings_environment_major": (NUMBER, "条", "本年度重大环保问题数"),
    "findings_serious_or_major": (NUMBER, "条", "本年度较重及以上检查发现数"),
    "scale": (TEXT, "", "规模（above 规上 / below 规下）"),
    "status": (TEXT, "", "登记状态"),
    "industry_code": (TEXT, "", "行业小类代码"),
    "industry_division": (TEXT, "", "行业大类代码（2位）"),
    "zone_code": (TEXT, "", "所属园区编码"),
    "zone_kind": (TEXT, "", "所属园区类型"),
    "has_own_land": (TEXT, "", "有无自有用地（yes/no）"),
    "is_tenant": (TEXT, "", "是否承租企业（yes/no）"),
}

OPERATORS = {
    "eq": "等于", "ne": "不等于", "lt": "小于", "le": "不大于", "gt": "大于", "ge": "不小于",
    "in": "属于", "not_in": "不属于", "is_null": "为空", "not_null": "不为空",
}
