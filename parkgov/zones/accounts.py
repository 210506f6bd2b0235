"""Zone land account services: derive from the ledger, merge what was entered (entered wins), store, read.

A zone's account holds the parcels and firms of the zone and of its parks (derive.py). Stored accounts are rebuilt
by `refresh_accounts` whenever the 园区土地 sheet is imported and before every zone evaluation, so they follow the
ledger; each value's provenance says where it came from.
"""

import polars as pl

from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, YearlyFigure, Zone
from parkgov.ledger.services import current_parcel_frame
from parkgov.zones.categories import category_table
from parkgov.zones.checks import account_problems
from parkgov.zones.derive import derive
from parkgov.zones.fields import FIELDS, SHEET_FIELDS
from parkgov.zones.models import ZoneLandAccount, ZoneLandEntry

PARCEL_COLUMNS = ["zone_id", "registered_area_m2", "land_use_code", "ownership", "supply_status", "supply_method",
                  "supply_date", "term_years", "floor_area_m2", "footprint_area_m2", "building_year"]


def ledger_inputs() -> dict:
    """The frames derive() reads, one query per table."""
    parcels = current_parcel_frame(columns=PARCEL_COLUMNS)  # not parcels ended by a split or merge
    firms = fetch_frame(Enterprise, columns=["zone_id"]).rename({"id": "enterprise_id"})
    yearly = fetch_frame(YearlyFigure, columns=["enterprise_id", "year", "tax", "fixed_investment", "output_value"])
    figures = yearly.join(firms, on="enterprise_id", how="inner") if yearly.height else \
        yearly.with_columns(pl.lit(None, dtype=pl.Int64).alias("zone_id"))
    return {"parcels": parcels.with_columns(pl.col("supply_date").cast(pl.Date)), "figures": figures,
            "zones": fetch_frame(Zone, columns=["parent_id"])}


def derived_values(*, year: int, inputs: dict | None = None) -> dict:
    """zone_id → {field: {"value", "count", "kind"}} of what the ledger gives for `year`."""
    inputs = inputs or ledger_inputs()
    frame = derive(**inputs, table=category_table(), year=year)
    found = {}
    for zone_id, field, value, count, kind in frame.iter_rows():
        found.setdefault(zone_id, {})[field] = {"value": value, "count": count, "kind": kind}
    return found


def merge(*, derived: dict, entered: dict, provenance: dict) -> tuple[dict, dict]:
    """(values, provenance) of one account: an entered value wins over a derived one."""
    values, where = {}, {}
    for f in FIELDS:
        if entered.get(f.field) is not None:
            values[f.field] = entered[f.field]
            where[f.field] = {"source": "entered", "submission": provenance.get(f.field)}
        elif f.field in derived:
            item = derived[f.field]
            values[f.field] = item["value"]
            where[f.field] = {"source": "derived", item["kind"]: item["count"]}
        else:
            values[f.field] = None
    return values, where


def entries(*, year: int) -> dict:
    """zone_id → (entered values, provenance) of the 园区土地 entries of `year`."""
    rows = ZoneLandEntry.objects.filter(year=year).values("zone_id", "provenance", *[f.field for f in SHEET_FIELDS])
    return {r.pop("zone_id"): (r, r.pop("provenance") or {}) for r in rows}


def refresh_accounts(*, years, zone_ids=None) -> int:
    """Rebuild the stored accounts of `years` (for every zone with parcels, figures or an entry; or `zone_ids`);
    returns the accounts written (an unchanged account is not saved again). The caller owns the transaction."""
    inputs, written = ledger_inputs(), 0
    tolerance = category_table().tolerance
    names = [f.field for f in FIELDS] + ["provenance", "problems"]
    stored = {(r.pop("zone_id"), r.pop("year")): r
              for r in ZoneLandAccount.objects.filter(year__in=list(years)).values("zone_id", "year", *names)}
    for year in sorted(set(years)):
        derived, entered = derived_values(year=year, inputs=inputs), entries(year=year)
        for zone_id in sorted(set(derived) | set(entered)):
            if zone_ids is not None and zone_id not in zone_ids:
                continue
            values, provenance = merge(derived=derived.get(zone_id, {}), entered=entered.get(zone_id, ({}, {}))[0],
                                       provenance=entered.get(zone_id, ({}, {}))[1])
            wanted = {**values, "provenance": provenance, "problems": account_problems(values, tolerance=tolerance)}
            if stored.get((zone_id, year)) == wanted:
                continue  # unchanged: no save, so no history row for every evaluation run
            ZoneLandAccount.objects.update_or_create(zone_id=zone_id, year=year, defaults=wanted)
            written += 1
    return written


def accounts_frame(*, years, zone_ids=None) -> pl.DataFrame:
    """zone_id, zone_code, zone_name, year and every account field of the stored accounts (one query)."""
    qs = ZoneLandAccount.objects.filter(year__in=list(years))
    if zone_ids is not None:
        qs = qs.filter(zone_id__in=list(zone_ids))
    names = [f.field for f in FIELDS]
    rows = list(qs.order_by("zone__code", "year").values_list("zone_id", "zone__code", "zone__name", "year", *names))
    schema = {"zone_id": pl.Int64, "zone_code": pl.String, "zone_name": pl.String, "year": pl.Int64,
              **{n: pl.Float64 for n in names}}
    return pl.DataFrame(rows, schema=schema, orient="row")
