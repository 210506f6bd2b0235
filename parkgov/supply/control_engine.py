"""The land-control check (工业项目建设用地控制指标): pure and vectorised, no database and no I/O.

`evaluate(parcels=frame, rules=ControlRules) -> frame` takes one row per parcel:

    parcel_id Int64, code Utf8, zone_id Int64, land_use_code Utf8, registered_area_m2 Float64,
    floor_area_m2 Float64, footprint_area_m2 Float64, admin_area_m2 Float64, green_area_m2 Float64,
    supply_date Date, enterprise_id Int64 (nullable), industry_code Utf8 (GB/T 4754-2017, nullable)

and returns one row per (checked parcel, indicator), for every industrial parcel with buildings (land-use code
starting with one of `checks.industrial_land_use_prefixes`, floor area > 0, land area > 0):

    parcel_id, code, zone_id, enterprise_id, industry_code, industry_key (the class the edition's table is
    keyed on: GB/T 4754-2002 through the crosswalk, or 2017), edition (id, null before the first edition or
    without a supply date), indicator (plot_ratio | building_coefficient | admin_share | green_ratio),
    bound (min | max), value (rounded to `checks.decimals`), limit, status, violated (bool)

`status` is `violation`, `ok`, or why the indicator was not checked: `no_edition` (supplied before the first
edition or no supply date), `no_limit` (the edition has no limit for it, e.g. 2004's 容积率 or 绿地率),
`no_industry` (the plot-ratio minimum depends on the industry, the parcel's firm has none), `not_tabled`
(the industry has no row in the edition's table), `no_value` (the area it needs is missing).

Values: 容积率 = floor area / land area; 建筑系数, 行政办公比重 and 绿地率 = area × 100 / land area (%). They are
rounded to the edition's published precision before comparing, so 7.00 % passes a ≤ 7 % limit and 7.01 % fails;
`min` limits are met at the limit (≥), `max` limits at the limit (≤). Rows come in parcel code order, then
indicator order.
"""

from __future__ import annotations

import polars as pl

from parkgov.supply.landuse_rules import BOUNDS, INDICATORS, ControlRules

NUMERATORS = {"plot_ratio": "floor_area_m2", "building_coefficient": "footprint_area_m2",
              "admin_share": "admin_area_m2", "green_ratio": "green_area_m2"}
PERCENT = {"plot_ratio": 1, "building_coefficient": 100, "admin_share": 100, "green_ratio": 100}
STATUSES = ("violation", "ok", "no_edition", "no_limit", "no_industry", "not_tabled", "no_value")


def evaluate(*, parcels: pl.DataFrame, rules: ControlRules) -> pl.DataFrame:
    """The control check of every industrial parcel with buildings (see the module docstring)."""
    checked = _with_edition(_industrial_built(parcels, rules), rules)
    checked = _with_industry_keys(checked, rules)
    frames = [_indicator(checked, indicator, rules) for indicator in INDICATORS]
    order = {name: i for i, name in enumerate(INDICATORS)}
    return (pl.concat(frames, how="vertical")
            .with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
            .sort(["code", "_order"]).drop("_order"))


def _industrial_built(parcels: pl.DataFrame, rules: ControlRules) -> pl.DataFrame:
    prefixes = rules.checks.industrial_land_use_prefixes
    land_use = pl.col("land_use_code").fill_null("")
    industrial = pl.any_horizontal([land_use.str.starts_with(p) for p in prefixes])
    return parcels.filter(industrial & (pl.col("floor_area_m2") > 0) & (pl.col("registered_area_m2") > 0))


def _with_edition(frame: pl.DataFrame, rules: ControlRules) -> pl.DataFrame:
    """The edition in force on the supply date: the latest one starting on or before it."""
    expression = pl.lit(None, dtype=pl.Utf8)
    for edition in rules.editions:  # in date order: a later start overrides
        expression = pl.when(pl.col("supply_date") >= pl.lit(edition.applies_from)).then(pl.lit(edition.id)) \
            .otherwise(expression)
    return frame.with_columns(expression.alias("edition"))


def _with_industry_keys(frame: pl.DataFrame, rules: ControlRules) -> pl.DataFrame:
    """`key_2017` (the 2017 major class) and `key_2002` (through the crosswalk, longest prefix first)."""
    code = pl.col("industry_code").fill_null("").str.strip_chars()
    rows = rules.crosswalk.rows
    lengths = sorted({len(prefix) for prefix in rows}, reverse=True)
    candidates = [code.str.slice(0, n).replace_strict({p: v for p, v in rows.items() if len(p) == n}, default=None,
                                                      return_dtype=pl.Utf8) for n in lengths]
    key_2017 = pl.when(code.str.len_chars() >= 2).then(code.str.slice(0, 2)).otherwise(None)
    return frame.with_columns(key_2017.alias("key_2017"), pl.coalesce(candidates).alias("key_2002"))


def _indicator(frame: pl.DataFrame, indicator: str, rules: ControlRules) -> pl.DataFrame:
    decimals = rules.checks.decimals[indicator]
    raw = pl.col(NUMERATORS[indicator]) * PERCENT[indicator] / pl.col("registered_area_m2")
    limit, key, tabled, by_industry = _limit_expressions(indicator, rules)
    bound = BOUNDS[indicator]
    value = raw.round(decimals)
    passes = (value >= pl.col("limit")) if bound == "min" else (value <= pl.col("limit"))
    status = (pl.when(pl.col("edition").is_null()).then(pl.lit("no_edition"))
              .when(~tabled).then(pl.lit("no_limit"))
              .when(by_industry & key.is_null() & pl.col("industry_code").fill_null("").eq("")).then(pl.lit("no_industry"))
              .when(pl.col("limit").is_null()).then(pl.lit("not_tabled"))
              .when(pl.col("value").is_null()).then(pl.lit("no_value"))
              .when(pl.col("_passes")).then(pl.lit("ok"))
              .otherwise(pl.lit("violation")))
    return (frame.with_columns(limit.alias("limit"), value.alias("value"), key.alias("industry_key"))
            .with_columns(passes.alias("_passes"))
            .with_columns(status.alias("status"))
            .select(pl.col("parcel_id"), pl.col("code"), pl.col("zone_id"), pl.col("enterprise_id"),
                    pl.col("industry_code"), pl.col("industry_key"), pl.col("edition"),
                    pl.lit(indicator).alias("indicator"), pl.lit(bound).alias("bound"), pl.col("value").cast(pl.Float64),
                    pl.col("limit").cast(pl.Float64), pl.col("status"),
                    (pl.col("status") == "violation").alias("violated")))


def _limit_expressions(indicator: str, rules: ControlRules):
    """(limit, industry key used, whether the edition has the indicator, whether it is by industry) as
    expressions over the edition column."""
    limit = pl.lit(None, dtype=pl.Float64)
    key = pl.lit(None, dtype=pl.Utf8)
    tabled = pl.lit(False)
    by_industry = pl.lit(False)
    for edition in rules.editions:
        spec = edition.indicators.get(indicator)
        here = pl.col("edition") == edition.id
        column = pl.col("key_2002" if edition.industry_classification == "gbt4754_2002" else "key_2017")
        if spec is None or (spec.default is None and not spec.by_industry):
            continue
        tabled = pl.when(here).then(pl.lit(True)).otherwise(tabled)
        if spec.by_industry:
            table = column.replace_strict(spec.by_industry, default=spec.default, return_dtype=pl.Float64)
            limit = pl.when(here).then(table).otherwise(limit)
            key = pl.when(here).then(column).otherwise(key)
            by_industry = pl.when(here).then(pl.lit(True)).otherwise(by_industry)
        else:
            limit = pl.when(here).then(pl.lit(spec.default, dtype=pl.Float64)).otherwise(limit)
    return limit, key, tabled.fill_null(False), by_industry.fill_null(False)
