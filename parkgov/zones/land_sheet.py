"""The `园区土地` sheet of the exchange workbook: the zone land account entered per zone and year in 公顷, 万平方米,
万元 and 人 (standards.md §1.2 categories), registered into ingest from ZonesConfig.ready() (ingest never imports
zones).

One row per zone and year, upserted on (园区编码, 年度); a blank cell keeps the stored value, as on every other sheet.
The checks run on the account as it will be: the row's values over what is already entered and what the ledger's
parcels give (accounts.merge), so that parts exceeding their total are refused whichever side they come from.
"""

from functools import cache

import polars as pl

from parkgov.ingest.extensions import SheetExtension, register_sheet
from parkgov.ingest.issues import WARNING
from parkgov.ingest.rules import _known, _reference
from parkgov.ingest.schema import Column, Sheet
from parkgov.ledger.bulk import fetch_frame, upsert
from parkgov.ledger.models import Zone
from parkgov.zones.fields import BY_FIELD, SHEET_FIELDS
from parkgov.zones.models import ZoneLandEntry

SHEET_NAME = "园区土地"
EXAMPLES = {"total_area": "1200", "a1": "60", "a2": "620", "a31": "80", "a4": "30", "a51": "40", "a52": "25",
            "b21": "90", "c1": "35", "d1": "110", "d21": "700", "e21": "45", "g": "6", "floor_area": "920",
            "footprint_area": "380", "population": "52000", "total_tax": "260000"}


@cache
def land_sheet() -> Sheet:
    """The sheet's definition (from fields.SHEET_FIELDS)."""
    columns = [Column("zone", "园区编码", "ref", required=True, max_length=32, example="SZ-KFQ",
                      aliases=("所属园区编码", "园区代码")),
               Column("year", "年度", "int", required=True, minimum=2000, maximum=2100, example="2025",
                      aliases=("年份", "统计年度"))]
    for f in SHEET_FIELDS:
        columns.append(Column(f.field, f.header, "float", unit=f.unit, minimum=0, example=EXAMPLES.get(f.field, ""),
                              aliases=(f.label,) if f.label != f.header else (), help=f.label))
    return Sheet(name=SHEET_NAME, key=("zone", "year"), columns=tuple(columns),
                 help="园区土地账：每个园区每年一行，面积单位公顷（standards.md §1.2 分类）；空白表示不填报，"
                      "由台账地块推算（如有）。填报值优先于推算值。")


def check(sheets: dict, issues) -> None:
    """References to zones, then the account checks (checks.py) on each row merged with what is stored."""
    from parkgov.zones.accounts import derived_values, entries, merge
    from parkgov.zones.categories import category_table
    from parkgov.zones.checks import ERROR, account_problems

    raw, typed = sheets[SHEET_NAME]
    known = _known(sheets, "园区", "code", Zone, "code")
    _reference(sheets, issues, SHEET_NAME, "zone", known, "园区编码不存在（「园区」表与系统中均无）")
    ids = dict(fetch_frame(Zone, columns=["code"]).select("code", "id").iter_rows())
    rows = typed.filter(pl.col("zone").is_in(list(ids)) & pl.col("year").is_not_null())
    tolerance = category_table().tolerance
    cache_by_year = {}
    for row in rows.iter_rows(named=True):
        year = row["year"]
        if year not in cache_by_year:
            cache_by_year[year] = (derived_values(year=year), entries(year=year))
        derived, stored = cache_by_year[year]
        zone_id = ids[row["zone"]]
        entered = dict(stored.get(zone_id, ({}, {}))[0])
        entered.update({k: v for k, v in row.items() if k in BY_FIELD and v is not None})
        values, provenance = merge(derived=derived.get(zone_id, {}), entered=entered, provenance={})
        for problem in account_problems(values, tolerance=tolerance):
            field = problem["field"]
            origin = "填报" if row.get(field) is not None else ("已存填报" if field in entered else "台账推算")
            issues.add(raw.title, row["__row"], raw.headers.get(field, BY_FIELD[field].header), values.get(field),
                       f"{problem['message']}（{BY_FIELD[field].header}为{origin}值）",
                       "error" if problem["level"] == ERROR else WARNING)


def write(frame: pl.DataFrame, *, submission_id, actor_id, reason, now):
    """Upsert the rows on (园区编码, 年度) with each stated value's submission, then rebuild those accounts."""
    from parkgov.ingest.writer import _resolve
    from parkgov.zones.accounts import refresh_accounts

    frame = _resolve(frame, "zone", Zone, "code", "zone_id")
    given = [f.field for f in SHEET_FIELDS if f.field in frame.columns]
    if given:
        parts = [pl.when(pl.col(f).is_not_null()).then(pl.lit(f'"{f}": {submission_id}')) for f in given]
        frame = frame.with_columns(
            (pl.lit("{") + pl.concat_list(parts).list.drop_nulls().list.join(", ") + pl.lit("}")).alias("__provenance"))
    counts = upsert(model=ZoneLandEntry, frame=frame, key=["zone_id", "year"],
                    merge_json={"provenance": "__provenance"} if given else None, actor_id=actor_id, reason=reason,
                    now=now)
    refresh_accounts(years=frame.get_column("year").unique().to_list(),
                     zone_ids=set(frame.get_column("zone_id").to_list()))
    return counts


def export_frame(queryset=None) -> pl.DataFrame:
    """Stored entries (all, or `queryset`) as sheet rows with schema field names: export → edit → import."""
    queryset = ZoneLandEntry.objects.all() if queryset is None else queryset
    names = [f.field for f in SHEET_FIELDS]
    rows = list(queryset.order_by("zone__code", "year").values_list("zone__code", "year", *names))
    schema = {"zone": pl.String, "year": pl.Int64, **{n: pl.Float64 for n in names}}
    return pl.DataFrame(rows, schema=schema, orient="row")


def register() -> None:
    """Add the sheet to the exchange workbook (called from ZonesConfig.ready())."""
    register_sheet(SheetExtension(spec=land_sheet(), write=write, check=check, export=export_frame))
