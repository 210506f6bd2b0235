"""The `园区绿色指标` sheet of the exchange workbook: per zone and year the green figures firms do not report
(industrial solid waste, the zone's ISO 14001 certificate) and, where wanted, zone totals of the 规上 firms' value
added, energy and water that override the firms' sum (a baseline year such as 2015, before the ledger's first year).
Registered into ingest from ZonesConfig.ready() (ingest never imports zones).

One row per zone and year, upserted on (园区编码, 年度); a blank cell keeps the stored value. The check refuses a
utilised amount above what there was to utilise, on the row merged with what is stored, naming row, column and value.
"""

from functools import cache

import polars as pl

from parkgov.ingest.extensions import SheetExtension, register_sheet
from parkgov.ingest.rules import _known, _reference
from parkgov.ingest.schema import Column, Sheet
from parkgov.ledger.bulk import fetch_frame, upsert
from parkgov.ledger.models import Zone
from parkgov.zones.choices import Certified
from parkgov.zones.models import ZoneGreenEntry

SHEET_NAME = "园区绿色指标"
# field, header, unit, example, help
VALUES = (
    ("value_added", "规上工业增加值", "万元", "", "填写时代替规上企业年度数据之和（如基准年 2015 年）"),
    ("energy_tce", "规上综合能耗", "吨标准煤", "", "填写时代替规上企业年度数据之和"),
    ("water_10k_t", "规上用水量", "万吨", "", "填写时代替规上企业年度数据之和"),
    ("waste_generated", "工业固体废物产生量", "万吨", "12.5", "园区当年工业固体废物产生量"),
    ("waste_utilised", "工业固体废物综合利用量", "万吨", "12.1", "当年综合利用量（含利用往年贮存量）"),
    ("waste_stored_utilised", "综合利用往年贮存量", "万吨", "0", "当年综合利用的往年贮存量"),
)
FIELDS = tuple(v[0] for v in VALUES) + ("iso14001",)


@cache
def green_sheet() -> Sheet:
    """The sheet's definition."""
    columns = [Column("zone", "园区编码", "ref", required=True, max_length=32, example="SZ-KFQ",
                      aliases=("所属园区编码", "园区代码")),
               Column("year", "年度", "int", required=True, minimum=2000, maximum=2100, example="2025",
                      aliases=("年份", "统计年度"))]
    columns += [Column(field, header, "float", unit=unit, minimum=0, example=example, help=help_text)
                for field, header, unit, example, help_text in VALUES]
    columns.append(Column("iso14001", "通过ISO 14001认证", "choice", choices=Certified, example="是",
                          aliases=("ISO14001认证", "ISO 14001认证"), help="园区是否通过 ISO 14001 环境管理体系认证（是/否）"))
    return Sheet(name=SHEET_NAME, key=("zone", "year"), columns=tuple(columns), aliases=("绿色指标",),
                 help="园区绿色指标：每个园区每年一行；企业不报的固体废物与 ISO 14001 认证，以及代替企业数据之和的"
                      "园区规上合计（如基准年）。空白表示不填报。")


def check(sheets: dict, issues) -> None:
    """References to zones; then 综合利用量 ≤ 产生量 + 往年贮存量 on the row merged with what is stored."""
    raw, typed = sheets[SHEET_NAME]
    known = _known(sheets, "园区", "code", Zone, "code")
    _reference(sheets, issues, SHEET_NAME, "zone", known, "园区编码不存在（「园区」表与系统中均无）")
    stored = {(r["zone__code"], r["year"]): r for r in ZoneGreenEntry.objects.values(
        "zone__code", "year", "waste_generated", "waste_utilised", "waste_stored_utilised")}
    names = ("waste_generated", "waste_utilised", "waste_stored_utilised")
    for row in typed.filter(pl.col("year").is_not_null()).iter_rows(named=True):
        old = stored.get((row["zone"], row["year"]), {})
        value = {n: row.get(n) if row.get(n) is not None else old.get(n) for n in names}
        problem = utilisation_problem(value)
        if problem:
            issues.add(raw.title, row["__row"], raw.headers.get("waste_utilised", "工业固体废物综合利用量（万吨）"),
                       value["waste_utilised"], problem)


def utilisation_problem(value: dict) -> str:
    """Why the solid-waste amounts of one zone-year do not add up (utilised > generated + stored), or ''."""
    if value.get("waste_utilised") is None or value.get("waste_generated") is None:
        return ""
    available = value["waste_generated"] + (value.get("waste_stored_utilised") or 0.0)
    if value["waste_utilised"] > available * (1 + 1e-9):
        return f"综合利用量 {value['waste_utilised']:g} 万吨大于产生量与往年贮存量之和 {available:g} 万吨"
    return ""


def write(frame: pl.DataFrame, *, submission_id, actor_id, reason, now):
    """Upsert the rows on (园区编码, 年度) with each stated value's submission."""
    from parkgov.ingest.writer import _resolve

    frame = _resolve(frame, "zone", Zone, "code", "zone_id")
    given = [f for f in FIELDS if f in frame.columns]
    merge = None
    if given:
        parts = [pl.when(pl.col(f).is_not_null()).then(pl.lit(f'"{f}": {submission_id}')) for f in given]
        frame = frame.with_columns(
            (pl.lit("{") + pl.concat_list(parts).list.drop_nulls().list.join(", ") + pl.lit("}")).alias("__provenance"))
        merge = {"provenance": "__provenance"}
    return upsert(model=ZoneGreenEntry, frame=frame, key=["zone_id", "year"], merge_json=merge, actor_id=actor_id,
                  reason=reason, now=now)


def export_frame(queryset=None) -> pl.DataFrame:
    """Stored entries as sheet rows with schema field names: export → edit → import."""
    queryset = ZoneGreenEntry.objects.all() if queryset is None else queryset
    rows = list(queryset.order_by("zone__code", "year").values_list("zone__code", "year", *FIELDS))
    schema = {"zone": pl.String, "year": pl.Int64, **{f: pl.Float64 for f in FIELDS[:-1]}, "iso14001": pl.String}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.with_columns(pl.when(pl.col("iso14001") == "").then(None).otherwise(pl.col("iso14001"))
                              .alias("iso14001"))


def entries_frame() -> pl.DataFrame:
    """zone_id, year and every stated value of the entries (one query), for green.py."""
    return fetch_frame(ZoneGreenEntry, columns=["zone_id", "year", *FIELDS, "provenance"])


def register() -> None:
    """Add the sheet to the exchange workbook (called from ZonesConfig.ready())."""
    register_sheet(SheetExtension(spec=green_sheet(), write=write, check=check, export=export_frame))
