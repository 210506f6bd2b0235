"""Derive zone land account values from the ledger: pure and vectorised (Polars), no database.

Inputs (one frame each):
- `parcels`: id, zone_id, registered_area_m2, land_use_code, ownership, supply_status, supply_method, supply_date,
  term_years, floor_area_m2, footprint_area_m2, building_year — the ledger's parcels as they stand;
- `figures`: zone_id (the firm's), year, tax, fixed_investment, output_value — yearly figures of firms;
- `zones`: id, parent_id — so that a zone's account holds the parcels and firms of its parks too.

`derive(..., table, year)` returns one row per (account zone, field) that the ledger can give: zone_id, field,
value (公顷 / 万平方米 / 万元), count (parcels or firms behind it) and kind ("parcels" or "firms"). A category the
table lists as `covered` is 0 for a zone with parcels but none in it (the ledger knows there is none); another is
present only when a parcel falls in it, and is otherwise left to be entered. The year gate: a parcel supplied after the year counts as not yet
supplied; one built after the year as supplied but not built; the paid-use term is expired when supply year +
term ≤ year. 工业企业固定资产投资总额 is the firms' fixed investment summed over every year up to the year (a stock,
like the national monitoring figure), tax and output are the year's.
"""

import polars as pl

from parkgov.units import square_metres_to_10k_square_metres, square_metres_to_hectares
from parkgov.zones.categories import CategoryTable

BUILT_SUPPLIED = ("in_use", "supplied_not_used", "idle")


def zone_ancestors(zones: pl.DataFrame) -> pl.DataFrame:
    """zone_id → account_zone_id for the zone itself and every zone above it (stops at a loop)."""
    parent = dict(zip(zones["id"].to_list(), zones["parent_id"].to_list()))
    rows = []
    for zone_id in parent:
        seen, current = set(), zone_id
        while current is not None and current not in seen:
            seen.add(current)
            rows.append((zone_id, current))
            current = parent.get(current)
    return pl.DataFrame(rows, schema={"zone_id": pl.Int64, "account_zone_id": pl.Int64}, orient="row")


def effective_parcels(parcels: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """The parcels with `status` as of the end of `year` (the year gate) and `expired`."""
    supply_year = pl.col("supply_date").dt.year()
    status = (pl.when(pl.col("supply_status").is_in(BUILT_SUPPLIED) & (supply_year > year))
              .then(pl.lit("approved_not_supplied"))
              .when((pl.col("supply_status") == "in_use") & (pl.col("building_year") > year))
              .then(pl.lit("supplied_not_used"))
              .otherwise(pl.col("supply_status")))
    expired = (supply_year + pl.col("term_years")).le(year).fill_null(False)
    return parcels.with_columns(status.alias("status"), expired.alias("expired"),
                                pl.col("land_use_code").fill_null("").alias("land_use_code"))


def _condition(when) -> pl.Expr:
    parts = [pl.lit(True)]
    for name, column in (("supply_status", "status"), ("ownership", "ownership"), ("supply_method", "supply_method")):
        values = getattr(when, name)
        if values is not None:
            parts.append(pl.col(column).is_in(values).fill_null(False))
    if when.land_use is not None:
        parts.append(pl.any_horizontal([pl.col("land_use_code").str.starts_with(p) for p in when.land_use]))
    if when.expired is not None:
        parts.append(pl.col("expired") == when.expired)
    return pl.all_horizontal(parts)


def category_expr(rules) -> pl.Expr:
    """The first matching rule's category (null when none matches)."""
    expr = pl.lit(None, dtype=pl.String)
    for rule in reversed(rules):
        expr = pl.when(_condition(rule.when)).then(pl.lit(rule.category, dtype=pl.String)).otherwise(expr)
    return expr


def categorise(parcels: pl.DataFrame, table: CategoryTable, *, year: int) -> pl.DataFrame:
    """Each parcel with its category per group (columns status_category, supply_category, …) as of `year`."""
    frame = effective_parcels(parcels, year=year)
    return frame.with_columns([category_expr(rules).alias(f"{group}_category")
                               for group, rules in table.groups().items()])


def derive(*, parcels: pl.DataFrame, figures: pl.DataFrame, zones: pl.DataFrame, table: CategoryTable,
           year: int) -> pl.DataFrame:
    """Long frame zone_id, field, value, count, kind of what the ledger gives for `year` (module docstring)."""
    ancestors = zone_ancestors(zones)
    parts = [_land(parcels, ancestors, table, year), _firms(figures, ancestors, year)]
    return pl.concat([p for p in parts if p.height], how="vertical_relaxed") if any(p.height for p in parts) \
        else pl.DataFrame(schema=_SCHEMA)


_SCHEMA = {"zone_id": pl.Int64, "field": pl.String, "value": pl.Float64, "count": pl.Int64, "kind": pl.String}


def _land(parcels, ancestors, table, year) -> pl.DataFrame:
    if parcels.height == 0:
        return pl.DataFrame(schema=_SCHEMA)
    frame = categorise(parcels, table, year=year).join(ancestors, on="zone_id", how="inner")
    frame = frame.with_columns(square_metres_to_hectares(pl.col("registered_area_m2")).alias("ha"))
    sums = []
    for group in table.groups():
        column = f"{group}_category"
        sums.append(frame.filter(pl.col(column).is_not_null()).group_by("account_zone_id", column)
                    .agg(pl.col("ha").sum().alias("value"), pl.len().alias("count"))
                    .rename({column: "field"}))
    built = pl.col("status_category").str.starts_with("A").fill_null(False)
    industrial = (pl.col("status_category") == "A2").fill_null(False)
    buildings = []
    for field, source, mask in (("floor_area", "floor_area_m2", built), ("footprint_area", "footprint_area_m2", built),
                                ("industrial_floor_area", "floor_area_m2", industrial),
                                ("industrial_footprint_area", "footprint_area_m2", industrial)):
        buildings.append(frame.filter(mask).group_by("account_zone_id").agg(
            square_metres_to_10k_square_metres(pl.col(source).fill_null(0).sum()).alias("value"),
            pl.col(source).is_not_null().sum().cast(pl.Int64).alias("count")).with_columns(pl.lit(field).alias("field")))
    supplied = frame.filter(pl.col("supply_category").is_not_null() & (pl.col("supply_date").dt.year() == year)) \
        .group_by("account_zone_id").agg(pl.col("ha").sum().alias("value"), pl.len().alias("count")) \
        .with_columns(pl.lit("supplied").alias("field"))
    found = pl.concat([s.select("account_zone_id", "field", "value", pl.col("count").cast(pl.Int64))
                       for s in sums + buildings + [supplied]], how="vertical_relaxed") \
        .with_columns(pl.col("field").str.to_lowercase())  # category codes (A2) → account fields (a2)
    produced = sorted({c.lower() for c in table.covered} | {"floor_area", "footprint_area", "industrial_floor_area", "industrial_footprint_area",
                         "supplied"})
    grid = frame.select("account_zone_id").unique().join(pl.DataFrame({"field": produced}), how="cross")
    out = grid.join(found, on=["account_zone_id", "field"], how="full", coalesce=True).with_columns(
        pl.col("value").fill_null(0.0), pl.col("count").fill_null(0), pl.lit("parcels").alias("kind"))
    return out.rename({"account_zone_id": "zone_id"}).select(list(_SCHEMA))


def _firms(figures, ancestors, year) -> pl.DataFrame:
    if figures.height == 0:
        return pl.DataFrame(schema=_SCHEMA)
    frame = figures.join(ancestors, on="zone_id", how="inner")
    this_year = frame.filter(pl.col("year") == year)
    parts = []
    for field, source, rows in (("industrial_tax", "tax", this_year), ("industrial_output", "output_value", this_year),
                                ("industrial_investment", "fixed_investment", frame.filter(pl.col("year") <= year))):
        parts.append(rows.filter(pl.col(source).is_not_null()).group_by("account_zone_id").agg(
            pl.col(source).sum().cast(pl.Float64).alias("value"), pl.col("enterprise_id").n_unique().cast(pl.Int64)
            .alias("count")).with_columns(pl.lit(field).alias("field"), pl.lit("firms").alias("kind")))
    return pl.concat(parts, how="vertical_relaxed").rename({"account_zone_id": "zone_id"}).select(list(_SCHEMA))
