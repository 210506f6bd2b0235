"""标准地 contracts: the invariants every way in (the 标准地承诺 sheet, the edit form, the API) goes through, and
the services that save one contract.

`problems(frame)` is vectorised over a frame of contract rows (schema field names, `__row`), so the import checks
a whole sheet with it and the form checks a one-row frame with the very same rules.
"""

import polars as pl
from django.utils.translation import gettext, gettext_noop

from parkgov.errors import InputError
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.supply.contract_rules import breach_rules, indicator_set
from parkgov.supply.models import Contract

DATE_FIELDS = ("signed_on", "delivered_on", "agreed_start", "agreed_completion", "agreed_production",
               "actual_start", "actual_completion", "actual_production", "stopped_on")
NUMBER_FIELDS = ("total_investment", "invested", "developed_area_m2")
# (later, earlier, message): `later` may not be before `earlier`
DATE_ORDER = (
    ("agreed_start", "signed_on", gettext_noop("约定动工日期早于签订日期")),
    ("agreed_completion", "agreed_start", gettext_noop("约定竣工日期早于约定动工日期")),
    ("agreed_production", "agreed_completion", gettext_noop("约定达产日期早于约定竣工日期")),
    ("delivered_on", "signed_on", gettext_noop("交地日期早于签订日期")),
    ("actual_start", "signed_on", gettext_noop("实际动工日期早于签订日期")),
    ("actual_completion", "actual_start", gettext_noop("实际竣工日期早于实际动工日期")),
    ("actual_production", "actual_completion", gettext_noop("实际投产日期早于实际竣工日期")),
    ("stopped_on", "actual_start", gettext_noop("停工日期早于实际动工日期")),
)
# (field, requires, message): `field` filled while `requires` is blank
NEEDS = (
    ("actual_completion", "actual_start", gettext_noop("填写了实际竣工日期，须同时填写实际动工日期")),
    ("stopped_on", "actual_start", gettext_noop("填写了停工日期，须同时填写实际动工日期")),
)


def indicator_field(code: str) -> str:
    """The sheet/form field of an indicator's committed value."""
    return f"ind_{code}"


def problems(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per problem: __row, field, message — the dates out of order, facts without their premise,
    negative amounts. Only the columns present are checked (a sheet may leave optional columns out)."""
    parts = []
    columns = set(frame.columns)
    for later, earlier, message in DATE_ORDER:
        if {later, earlier} <= columns:
            parts.append(frame.filter((pl.col(later) < pl.col(earlier)).fill_null(False))
                         .select("__row", pl.lit(later).alias("field"), pl.lit(gettext(message)).alias("message")))
    for field, requires, message in NEEDS:
        if field in columns:
            blank = pl.col(requires).is_null() if requires in columns else pl.lit(True)
            parts.append(frame.filter(pl.col(field).is_not_null() & blank)
                         .select("__row", pl.lit(field).alias("field"), pl.lit(gettext(message)).alias("message")))
    numbers = [*NUMBER_FIELDS, *(indicator_field(i.code) for i in indicator_set().indicators)]
    for field in numbers:
        if field in columns:
            parts.append(frame.filter((pl.col(field) < 0).fill_null(False))
                         .select("__row", pl.lit(field).alias("field"), pl.lit(gettext("不能为负数")).alias("message")))
    if {"invested", "total_investment"} <= columns:
        parts.append(frame.filter((pl.col("invested") > pl.col("total_investment") * 1.5).fill_null(False))
                     .select("__row", pl.lit("invested").alias("field"),
                             pl.lit(gettext("已完成投资超过约定总投资的1.5倍，请核对单位")).alias("message")))
    empty = pl.DataFrame(schema={"__row": pl.Int64, "field": pl.String, "message": pl.String})
    return pl.concat([empty, *[p.with_columns(pl.col("__row").cast(pl.Int64)) for p in parts]]).sort("__row")


def check_values(values: dict) -> dict:
    """Field → Chinese message for one contract's values (the form and the API); empty when all is well."""
    found = {}
    rule = values.get("breach_rule")
    if rule and rule not in breach_rules():
        found["breach_rule"] = gettext("违约规则「%(rule)s」不存在（可选：%(rules)s）") % {
            "rule": rule, "rules": "、".join(breach_rules())}
    schema = {f: pl.Date for f in DATE_FIELDS} | {f: pl.Float64 for f in NUMBER_FIELDS} | \
        {indicator_field(i.code): pl.Float64 for i in indicator_set().indicators}
    row = {"__row": [1], **{f: [values.get(f)] for f in schema}}
    frame = pl.DataFrame(row, schema={"__row": pl.Int64, **schema})
    for _row, field, message in problems(frame).iter_rows():
        found.setdefault(field, message)
    return found


def save_contract(*, values: dict, contract: Contract | None = None) -> Contract:
    """Create or update a contract from the form's or the API's values (the same invariants as the import).

    `values` holds the model fields, `parcel` and `enterprise` as instances, and the committed indicators under
    `ind_<code>`. Raises InputError listing each problem. The caller owns the transaction (history is kept)."""
    found = check_values(values)
    if found:
        raise InputError("；".join(found.values()))
    contract = contract or Contract()
    for field in ("number", "signed_on", "breach_rule", "note", *DATE_FIELDS, *NUMBER_FIELDS):
        if field in values:
            setattr(contract, field, values[field] if values[field] is not None or field not in ("note",) else "")
    if not isinstance(values.get("parcel", contract.parcel if contract.parcel_id else None), Parcel):
        raise InputError(gettext("须指定地块"))
    contract.parcel = values.get("parcel", contract.parcel if contract.parcel_id else None)
    if "enterprise" in values:
        if values["enterprise"] is not None and not isinstance(values["enterprise"], Enterprise):
            raise InputError(gettext("企业无效"))
        contract.enterprise = values["enterprise"]
    indicators = dict(contract.indicators or {})
    for indicator in indicator_set().indicators:
        key = indicator_field(indicator.code)
        if key in values:
            if values[key] is None:
                indicators.pop(indicator.code, None)
            else:
                indicators[indicator.code] = float(values[key])
    contract.indicators = indicators
    contract.save()
    return contract
