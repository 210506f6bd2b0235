"""The fields of an admission application and their checks, shared by the form, the API and the import: each
value is parsed and checked here, once, with a Chinese message naming the field and the bad value."""

from django.utils.translation import gettext, gettext_noop

from parkgov.codes.tables import code_table
from parkgov.codes.uscc import check_uscc
from parkgov.errors import InputError

# field → (label, kind, minimum, maximum, required); kind: text, code, industry, number, integer, percent
FIELDS = {
    "investor_credit_code": (gettext_noop("投资主体统一社会信用代码"), "code", None, None, True),
    "investor_name": (gettext_noop("投资主体名称"), "text", None, 200, True),
    "project_name": (gettext_noop("项目名称"), "text", None, 200, True),
    "industry_code": (gettext_noop("行业代码"), "industry", None, None, True),
    "land_mu": (gettext_noop("拟用地面积（亩）"), "positive", 0, 100000, True),
    "fixed_investment": (gettext_noop("固定资产投资（万元）"), "number", 0, 100000000, True),
    "expected_output": (gettext_noop("预计年产值（万元）"), "number", 0, 100000000, False),
    "expected_tax": (gettext_noop("预计年税收（万元）"), "number", 0, 10000000, False),
    "expected_value_added": (gettext_noop("预计年增加值（万元）"), "number", 0, 100000000, False),
    "energy_tce": (gettext_noop("预计年综合能耗（吨标准煤）"), "number", 0, 100000000, False),
    "emissions_t": (gettext_noop("预计主要污染物排放量（吨）"), "number", 0, 10000000, False),
    "employees": (gettext_noop("预计职工人数（人）"), "integer", 0, 1000000, False),
    "plot_ratio": (gettext_noop("规划容积率"), "number", 0, 20, False),
    "building_coefficient": (gettext_noop("建筑系数（%）"), "percent", 0, 100, False),
    "admin_share": (gettext_noop("行政办公及生活服务设施用地比重（%）"), "percent", 0, 100, False),
    "green_ratio": (gettext_noop("绿地率（%）"), "percent", 0, 100, False),
    "rd_share": (gettext_noop("研发经费占比（%）"), "percent", 0, 100, False),
}


def clean_fields(values: dict) -> dict:
    """Every field of FIELDS parsed and checked, plus `related_credit_codes` (a list or a text of codes separated
    by commas, spaces or new lines); InputError listing every problem, each naming the field and the value."""
    unknown = set(values) - set(FIELDS) - {"related_credit_codes"}
    if unknown:
        raise InputError(gettext("未知的申请字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    cleaned, problems = {}, []
    for name, (label, kind, low, high, required) in FIELDS.items():
        try:
            cleaned[name] = _value(values.get(name), gettext(label), kind, low, high, required)
        except InputError as exc:
            problems.append(str(exc))
    try:
        cleaned["related_credit_codes"] = _related(values.get("related_credit_codes"),
                                                   investor=cleaned.get("investor_credit_code"))
    except InputError as exc:
        problems.append(str(exc))
    if problems:
        raise InputError("；".join(problems))
    return cleaned


def _value(raw, label, kind, low, high, required):
    text = "" if raw is None else str(raw).strip()
    if text == "":
        if required:
            raise InputError(gettext("%(label)s为必填项") % {"label": label})
        return "" if kind in ("text", "code", "industry") else None
    if kind == "text":
        if len(text) > high:
            raise InputError(gettext("%(label)s不得超过 %(max)s 个字") % {"label": label, "max": high})
        return text
    if kind == "code":
        return _credit_code(text, label)
    if kind == "industry":
        if text not in code_table("gbt4754_2017") or len(text) > 4:
            raise InputError(gettext("%(label)s“%(value)s”不在 GB/T 4754-2017 国民经济行业分类代码表中（请填写如 3854 的小类代码）")
                             % {"label": label, "value": text})
        return text
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise InputError(gettext("%(label)s应为数字，实为“%(value)s”") % {"label": label, "value": text}) from None
    if kind == "positive" and not number > 0:
        raise InputError(gettext("%(label)s应大于 0，实为 %(value)s") % {"label": label, "value": text})
    if number != number or not low <= number <= high:
        raise InputError(gettext("%(label)s应在 %(low)s 至 %(high)s 之间，实为 %(value)s") % {
            "label": label, "low": low, "high": high, "value": text})
    if kind == "integer":
        if number != int(number):
            raise InputError(gettext("%(label)s应为整数，实为 %(value)s") % {"label": label, "value": text})
        return int(number)
    return number


def _credit_code(text, label):
    result = check_uscc(text)
    if not result.ok:
        raise InputError(gettext("%(label)s“%(value)s”无效：%(errors)s") % {
            "label": label, "value": text, "errors": "；".join(result.errors)})
    return result.code


def _related(raw, *, investor):
    if raw in (None, ""):
        return []
    items = raw if isinstance(raw, (list, tuple)) else str(raw).replace("，", ",").replace("、", ",").replace(
        "\n", ",").replace(" ", ",").split(",")
    codes, label = [], gettext("关联企业统一社会信用代码")
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        code = _credit_code(item, label)
        if code == investor:
            raise InputError(gettext("关联企业“%(code)s”就是投资主体本身") % {"code": code})
        if code not in codes:
            codes.append(code)
    return codes
