"""The vocabulary of list rules: the fields of each subject, the measures a condition may test, the operators.

A field is a column of the engine's subject frame (one row per firm or per parcel, built in
`parkgov.governance.engine`); the other measures (open findings, distance to a reference layer, missing
years, change between years) are computed from the input frames for the conditions that name them.
"""

NUMBER = "number"
TEXT = "text"

SUBJECTS = ("enterprise", "parcel")

# Fields computed from the firm's ledger row, its figures of the list year and the chosen evaluation run.
# name → (type, unit, Chinese label)
ENTERPRISE_FIELDS = {
    "industry_code": (TEXT, "", "行业代码"),
    "industry_division": (TEXT, "", "行业大类代码"),
    "scale": (TEXT, "", "规模"),
    "status": (TEXT, "", "登记状态"),
    "years_in_production": (NUMBER, "年", "投产年数"),
    "tax": (NUMBER, "万元", "评价税收"),
    "revenue": (NUMBER, "万元", "营业收入"),
    "output_value": (NUMBER, "万元", "工业总产值"),
    "value_added": (NUMBER, "万元", "工业增加值"),
    "energy_tce": (NUMBER, "吨标准煤", "综合能耗"),
    "electricity_10k_kwh": (NUMBER, "万千瓦时", "用电量"),
    "employees": (NUMBER, "人", "年平均职工人数"),
    "klass": (TEXT, "", "评价类别"),
    "tier": (TEXT, "", "评价档位"),
    "tax_per_mu": (NUMBER, "万元/亩", "亩均税收"),
    "land_mu": (NUMBER, "亩", "评价用地面积"),
    "total": (NUMBER, "分", "评价总分"),
    "class_d_years": (NUMBER, "年", "连续D类年数"),
}

# Fields of the parcel's ledger row, derived ratios, and the firms on it during the list year.
PARCEL_FIELDS = {
    "ownership": (TEXT, "", "土地权属"),
    "supply_status": (TEXT, "", "供地状态"),
    "land_use_code": (TEXT, "", "用地分类"),
    "area_mu": (NUMBER, "亩", "土地面积"),
    "floor_area_m2": (NUMBER, "平方米", "总建筑面积"),
    "plot_ratio": (NUMBER, "", "容积率"),
    "building_coefficient": (NUMBER, "", "建筑系数"),
    "building_year": (NUMBER, "年", "建成年份"),
    "building_age": (NUMBER, "年", "建筑年限"),
    "building_quality": (TEXT, "", "房屋质量"),
    "land_procedures": (TEXT, "", "用地手续"),
    "full_years_since_supply": (NUMBER, "年", "供地后满周年数"),
    "firms": (NUMBER, "家", "在地企业数"),
    "tax": (NUMBER, "万元", "在地企业评价税收合计"),
    "tax_per_mu": (NUMBER, "万元/亩", "地块亩均税收"),
    "industry_code": (TEXT, "", "主要用地企业行业代码"),
    "industry_division": (TEXT, "", "主要用地企业行业大类代码"),
    "worst_class": (TEXT, "", "在地企业最低评价类别"),
}

FIELDS = {"enterprise": ENTERPRISE_FIELDS, "parcel": PARCEL_FIELDS}

# Fields that need an evaluation run, by subject: a rule naming one cannot be generated without it (a parcel's
# tax_per_mu comes from the yearly figures, a firm's from the evaluation).
EVALUATION_FIELDS = {"enterprise": {"klass", "tier", "tax_per_mu", "land_mu", "total", "class_d_years"},
                     "parcel": {"worst_class"}}

# The yearly figures `change` may compare (columns of YearlyFigure).
FIGURES = {name: ENTERPRISE_FIELDS[name] for name in
           ("tax", "revenue", "output_value", "value_added", "energy_tce", "electricity_10k_kwh", "employees")}

OPERATORS = {
    "eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥",
    "in": "属于", "not_in": "不属于", "prefix_in": "以其一开头", "is_null": "为空", "not_null": "不为空",
}
LIST_OPERATORS = ("in", "not_in", "prefix_in")
NULL_OPERATORS = ("is_null", "not_null")
NUMBER_OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", *NULL_OPERATORS)
TEXT_OPERATORS = ("eq", "ne", "in", "not_in", "prefix_in", *NULL_OPERATORS)

FINDING_CATEGORIES = ("environment", "safety", "fire", "illegal_construction", "unlicensed", "other")
SEVERITIES = ("minor", "serious", "major")
LAYER_KINDS = ("river", "planned_land_use", "protected_area", "zone_boundary", "road", "other")

# How many years of figures the inputs hold (the list year and the nine before): the longest window a
# `missing_years` or `change` measure may look back over.
HISTORY_YEARS = 10

# Coded text fields whose values are shown by their Chinese label in reasons: field → (module, choices class).
CODED = {
    "scale": "Scale", "status": "EnterpriseStatus", "ownership": "Ownership", "supply_status": "SupplyStatus",
    "building_quality": "BuildingQuality", "land_procedures": "LandProcedures",
}


def code_labels(field: str) -> dict:
    """Code → Chinese label for a coded field (empty for free text), always in Chinese: reasons are stored text."""
    if field not in CODED:
        return {}
    from django.utils import translation

    from parkgov.ledger import choices

    with translation.override("zh-hans"):
        return {value: str(label) for value, label in getattr(choices, CODED[field]).choices}


def category_labels() -> dict:
    """Finding category and severity codes → Chinese labels."""
    from django.utils import translation

    from parkgov.ledger import choices

    with translation.override("zh-hans"):
        labels = {value: str(label) for value, label in choices.FindingCategory.choices}
        labels.update({value: str(label) for value, label in choices.Severity.choices})
        return labels


def layer_label(kind: str) -> str:
    """Chinese label of a reference layer kind."""
    from django.utils import translation

    from parkgov.governance.choices import ReferenceLayerKind

    with translation.override("zh-hans"):
        return str(dict(ReferenceLayerKind.choices).get(kind, kind))
