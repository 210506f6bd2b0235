"""The zones' yearly 盘活 targets (亩 to revitalise), derived from the demo's own land so they fit its size.

shengzhou §一.(三) sets about 3,000 亩 a year for a whole county; a demo park gets a quarter of its idle and
supplied-not-used land plus 2 % of its industrial land (with the parks under it), growing by a tenth a year,
rounded to 5 亩.
"""

from __future__ import annotations

import polars as pl

from parkgov.units import square_metres_to_mu

TARGET_YEARS = (2024, 2025, 2026, 2027)
TARGET_SOURCE = "演示数据：闲置与供而未用土地的1/4加工业用地的2%，逐年增长10%（参照嵊州每年盘活约3000亩）"


def revitalisation_targets(parcels: pl.DataFrame, zones: pl.DataFrame) -> pl.DataFrame:
    """zone (园区编码), year, target_mu, source, verified — one row per zone with land and year.

    A zone's target covers its own land and that of the parks under it (`zones`: code, parent), as the
    development zone's target is the whole zone's (the cockpit counts an ancestor's target for its parks).
    """
    mu = square_metres_to_mu(pl.col("registered_area_m2"))
    spare = pl.col("supply_status").is_in(["idle", "supplied_not_used"])
    own = parcels.group_by("zone").agg((0.25 * mu.filter(spare).sum() + 0.02 * mu.sum()).alias("base"))
    parent = dict(zones.select("code", "parent").iter_rows())
    totals: dict = {}
    for zone, base in own.iter_rows():
        while zone is not None:
            totals[zone] = totals.get(zone, 0.0) + base
            zone = parent.get(zone)
    base = pl.DataFrame({"zone": list(totals), "base": list(totals.values())}, schema={"zone": pl.String,
                                                                                       "base": pl.Float64})
    years = pl.DataFrame({"year": list(TARGET_YEARS)})
    return base.join(years, how="cross").with_columns(
        ((pl.col("base") * 1.1 ** (pl.col("year") - TARGET_YEARS[0]) / 5).round(0).clip(1) * 5).alias("target_mu"),
        pl.lit(TARGET_SOURCE).alias("source"), pl.lit(False).alias("verified"),
    ).select("zone", "year", "target_mu", "source", "verified").sort("zone", "year")
