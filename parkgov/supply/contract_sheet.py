"""The `标准地承诺` sheet of the exchange workbook: its columns, checks, writer and exporter, registered into ingest
from SupplyConfig.ready() (ingest never imports supply).

One row per contract, upserted on 合同编号. The committed indicators are one column each (from
supply/data/indicators.yaml); a blank cell keeps the stored value, as on every other sheet.
"""

import json
from functools import cache

import polars as pl

from parkgov.ingest.extensions import SheetExtension, register_sheet
from parkgov.ingest.rules import _flag, _known, _reference
from parkgov.ingest.schema import Column, Sheet
from parkgov.ledger.bulk import upsert
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.supply.contract_rules import breach_rules, indicator_set
from parkgov.supply.contracts import indicator_field, problems
from parkgov.supply.models import Contract

SHEET_NAME = "标准地承诺"
# the issue's columns in its order, then the optional ones
REQUIRED_INDICATORS = ("investment_intensity", "plot_ratio", "building_coefficient", "tax_per_mu",
                       "energy_value_added", "rd_share")
OPTIONAL_FIELDS = ("delivered_on", "actual_production", "total_investment", "invested", "developed_area_m2",
                   "stopped_on", "note")


class _RuleChoices:
    """The breach-rule ids as a choice list (dropdown in the template, checked on import)."""

    def __init__(self, ids):
        self.choices = [(i, i) for i in ids]


def _date(field, header, example="", **extra):
    return Column(field, header, "date", example=example, **extra)


def _indicator_column(indicator, example):
    return Column(indicator_field(indicator.code), indicator.header, "float", unit=indicator.unit, minimum=0,
                  example=example, help=f"{indicator.stage_label}时复核；{'不低于' if indicator.direction == '>=' else '不高于'}承诺值")


@cache
def contract_sheet() -> Sheet:
    """The sheet's definition (built once from the indicator and breach-rule data)."""
    indicators = {i.code: i for i in indicator_set().indicators}
    examples = {"investment_intensity": "300", "plot_ratio": "1.2", "building_coefficient": "40",
                "tax_per_mu": "25", "energy_value_added": "1.5", "rd_share": "3", "emission_value_added": "200"}
    first = [indicators[c] for c in REQUIRED_INDICATORS if c in indicators]
    rest = [i for i in indicators.values() if i.code not in REQUIRED_INDICATORS]
    rules = sorted(breach_rules())
    columns = (
        Column("parcel", "地块编码", "ref", required=True, max_length=40, example="SZ-0001", aliases=("地块号",)),
        Column("number", "合同编号", "text", required=True, max_length=64, example="BZD-2021-001",
               aliases=("协议编号", "出让合同编号")),
        Column("enterprise", "统一社会信用代码", "uscc", required=True, example="91330683MA2D8X2Y5L",
               aliases=("社会信用代码", "信用代码", "受让人统一社会信用代码")),
        _date("signed_on", "签订日期", "2021-03-15", required=True, aliases=("签约日期",)),
        _date("agreed_start", "约定动工日期", "2021-09-15", aliases=("约定开工日期",)),
        _date("agreed_completion", "约定竣工日期", "2023-03-15"),
        _date("agreed_production", "约定达产日期", "2025-03-15"),
        _date("actual_start", "实际动工日期", "2021-08-20", aliases=("实际开工日期",)),
        _date("actual_completion", "实际竣工日期", "2023-01-10"),
        *[_indicator_column(i, examples.get(i.code, "")) for i in first],
        Column("breach_rule", "违约规则", "choice", required=True, choices=_RuleChoices(rules), note="规则编号",
               example=rules[0], aliases=("违约规则编号",)),
        _date("delivered_on", "交地日期", "2021-04-01"),
        _date("actual_production", "实际投产日期", "2023-06-01", aliases=("投产日期",)),
        Column("total_investment", "约定总投资", "float", unit="万元", minimum=0, example="6000"),
        Column("invested", "已完成投资", "float", unit="万元", minimum=0, example="6200"),
        Column("developed_area_m2", "已开发面积", "float", unit="平方米", minimum=0, example="20000"),
        _date("stopped_on", "停工日期"),
        *[_indicator_column(i, examples.get(i.code, "")) for i in rest],
        Column("note", "备注", "text", max_length=2000, example=""),
    )
    return Sheet(name=SHEET_NAME, key=("number",), columns=columns,
                 help="标准地出让合同（投资协议）承诺：每份合同一行，按合同编号更新；违约规则填规则编号。")


def check(sheets: dict, issues) -> None:
    """References (parcel, firm: in this workbook or stored) and the contract invariants of supply/contracts.py."""
    raw, typed = sheets[SHEET_NAME]
    parcels = _known(sheets, "地块", "code", Parcel, "code")
    firms = _known(sheets, "企业", "credit_code", Enterprise, "credit_code")
    _reference(sheets, issues, SHEET_NAME, "parcel", parcels, "地块编码不存在（「地块」表与系统中均无）")
    _reference(sheets, issues, SHEET_NAME, "enterprise", firms,
               "企业不存在（「企业」表与系统中均无此统一社会信用代码）")
    found = problems(typed)
    as_written = found.join(raw.frame.select("__row", *[c for c in raw.frame.columns if c != "__row"]),
                            on="__row", how="left")
    for row in as_written.iter_rows(named=True):
        field = row["field"]
        issues.add(raw.title, row["__row"], raw.headers.get(field, field), row.get(field), row["message"])
    _flag(raw, typed, issues, "number", pl.col("number").str.len_chars() == 0, "合同编号为空")


def write(frame: pl.DataFrame, *, submission_id, actor_id, reason, now):
    """Upsert the rows on 合同编号; indicators are merged into the stored JSON (blank = unchanged)."""
    from parkgov.ingest.writer import _resolve

    frame = _resolve(frame, "parcel", Parcel, "code", "parcel_id")
    frame = _resolve(frame, "enterprise", Enterprise, "credit_code", "enterprise_id")
    fields = [indicator_field(i.code) for i in indicator_set().indicators if indicator_field(i.code) in frame.columns]
    codes = {indicator_field(i.code): i.code for i in indicator_set().indicators}
    values = frame.select(fields).to_dicts() if fields else [{} for _ in range(frame.height)]
    numbers = frame.get_column("number").to_list()
    stored = dict(Contract.objects.filter(number__in=numbers).values_list("number", "indicators"))
    merged = []
    for number, row in zip(numbers, values):
        old = stored.get(number) or {}
        new = {**old, **{codes[k]: v for k, v in row.items() if v is not None}}
        # None keeps the stored JSON (and the row unchanged); a changed set is written whole
        merged.append(None if number in stored and new == old else json.dumps(new, ensure_ascii=False, sort_keys=True))
    frame = frame.drop(fields).with_columns(pl.Series("indicators", merged, dtype=pl.String))
    return upsert(model=Contract, frame=frame, key=["number"], actor_id=actor_id, reason=reason, now=now)


def export_frame(queryset=None) -> pl.DataFrame:
    """Stored contracts (all, or `queryset`) as sheet rows with schema field names and stored codes."""
    spec = contract_sheet()
    plain = [c.field for c in spec.columns if c.field not in ("parcel", "enterprise") and not c.field.startswith("ind_")]
    queryset = Contract.objects.all() if queryset is None else queryset
    rows = []
    for contract in queryset.select_related("parcel", "enterprise").order_by("number"):
        row = {f: getattr(contract, f) for f in plain}
        row["note"] = contract.note or None
        row["parcel"] = contract.parcel.code
        row["enterprise"] = contract.enterprise.credit_code if contract.enterprise_id else None
        for indicator in indicator_set().indicators:
            row[indicator_field(indicator.code)] = (contract.indicators or {}).get(indicator.code)
        rows.append(row)
    schema = {c.field: (pl.Date if c.kind == "date" else pl.Float64 if c.kind == "float" else pl.String)
              for c in spec.columns}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def write_contracts_gpkg(*, path, queryset) -> int:
    """The GIS variant of the 标准地承诺 export: the layer 标准地承诺 with the sheet's columns (labels, not codes),
    a MultiPolygon feature per contract on its parcel. Returns the number of features."""
    from parkgov.ingest.export import to_display
    from parkgov.spatial.gpkg import write_parcel_layer

    spec = contract_sheet()
    columns = [c for c in spec.columns if c.field != "parcel"]
    frame = to_display(export_frame(queryset), spec).select([c.field for c in columns])
    parcel_ids = list(queryset.order_by("number").values_list("parcel_id", flat=True))
    return write_parcel_layer(path=path, layer=SHEET_NAME, columns=[c.header for c in columns],
                              rows=list(zip(parcel_ids, frame.iter_rows())))


def register() -> None:
    """Add the sheet to the exchange workbook (called from SupplyConfig.ready())."""
    register_sheet(SheetExtension(spec=contract_sheet(), write=write, check=check, export=export_frame))

