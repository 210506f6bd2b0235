"""Green indicators of zones per year against a baseline year (issue 16 §2; suqian 2017 §8, §12).

`green_frame` computes, for every zone (with its parks, as the land accounts do) and year, from the yearly figures
of the profile's firms (规上 by default) summed with one query, overridden by what the `园区绿色指标` sheet states
(entered wins, per value): value added, energy and water, the energy and water intensities and their change against
the profile's baseline year, the solid-waste utilisation and the ISO 14001 certificate. An intensity counts only the
firms that report both of its figures, so a firm without an energy figure does not lower the zone's intensity.
`zone_green` gives one zone's indicators with their targets and whether each is met; the 底线 assessment
(bottom_line.py) reads the same frame. Nothing is stored: the figures follow the ledger and the sheet.
"""

import polars as pl
from django.utils.translation import gettext

from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, YearlyFigure, Zone
from parkgov.zones.derive import zone_ancestors
from parkgov.zones.green_rules import DEFAULT_GREEN, green_profile
from parkgov.zones.green_sheet import entries_frame

SUMS = ("value_added", "energy_tce", "water_10k_t")


def _firm_sums(*, years, firms: str) -> pl.DataFrame:
    """zone_id, year, the sums of the firms' figures (each intensity over the firms reporting both) and counts."""
    companies = fetch_frame(Enterprise, columns=["zone_id", "scale"]).rename({"id": "enterprise_id"})
    if firms == "above_scale":
        companies = companies.filter(pl.col("scale") == "above")
    figures = fetch_frame(YearlyFigure, columns=["enterprise_id", "year", *SUMS]).filter(
        pl.col("year").is_in(list(years)))
    ancestors = zone_ancestors(fetch_frame(Zone, columns=["parent_id"]))
    frame = figures.join(companies, on="enterprise_id", how="inner").join(ancestors, on="zone_id", how="inner")
    va = pl.col("value_added")
    return frame.group_by("account_zone_id", "year").agg(
        va.sum().alias("value_added_sum"),
        pl.col("energy_tce").filter(va.is_not_null()).sum().alias("energy_sum"),
        va.filter(pl.col("energy_tce").is_not_null()).sum().alias("va_energy_sum"),
        pl.col("water_10k_t").filter(va.is_not_null()).sum().alias("water_sum"),
        va.filter(pl.col("water_10k_t").is_not_null()).sum().alias("va_water_sum"),
        pl.col("enterprise_id").filter(va.is_not_null()).n_unique().alias("firms"),
    ).rename({"account_zone_id": "zone_id"}).with_columns(pl.col("zone_id").cast(pl.Int64),
                                                           pl.col("year").cast(pl.Int64))


def green_frame(*, years, profile_id: str = DEFAULT_GREEN) -> pl.DataFrame:
    """One row per zone and year of `years` (and the baseline year) with the figures and the measures."""
    profile = green_profile(profile_id)
    wanted = sorted(set(years) | {profile.baseline_year})
    sums = _firm_sums(years=wanted, firms=profile.firms)
    entered = entries_frame().drop("id", "provenance").filter(pl.col("year").is_in(wanted)).with_columns(
        pl.col("zone_id").cast(pl.Int64), pl.col("year").cast(pl.Int64))
    frame = sums.join(entered, on=["zone_id", "year"], how="full", coalesce=True)
    ent_va, ent_energy, ent_water = pl.col("value_added"), pl.col("energy_tce"), pl.col("water_10k_t")
    frame = frame.with_columns(
        pl.when(ent_energy.is_not_null()).then(pl.lit("entered")).when(pl.col("energy_sum").is_not_null())
        .then(pl.lit("firms")).alias("energy_source"),
        pl.when(ent_water.is_not_null()).then(pl.lit("entered")).when(pl.col("water_sum").is_not_null())
        .then(pl.lit("firms")).alias("water_source"),
        pl.coalesce(ent_energy, pl.col("energy_sum")).alias("energy"),
        pl.coalesce(ent_water, pl.col("water_sum")).alias("water"),
        pl.coalesce(ent_va, pl.col("va_energy_sum")).alias("va_energy"),
        pl.coalesce(ent_va, pl.col("va_water_sum")).alias("va_water"),
        pl.coalesce(ent_va, pl.col("value_added_sum")).alias("va_total"),
    ).with_columns(
        _ratio(pl.col("energy"), pl.col("va_energy")).alias("energy_intensity"),
        _ratio(pl.col("water") * 10000, pl.col("va_water")).alias("water_intensity"),
        (_ratio(pl.col("waste_utilised"), pl.col("waste_generated") + pl.col("waste_stored_utilised").fill_null(0.0))
         * 100).alias("solid_waste_utilisation"),
        pl.col("iso14001").replace_strict({"yes": 1.0, "no": 0.0}, default=None, return_dtype=pl.Float64)
        .alias("iso14001"),
    )
    base = frame.filter(pl.col("year") == profile.baseline_year).select(
        "zone_id", pl.col("energy_intensity").alias("energy_intensity_baseline"),
        pl.col("water_intensity").alias("water_intensity_baseline"))
    frame = frame.join(base, on="zone_id", how="left").with_columns(
        ((pl.col("energy_intensity") / pl.col("energy_intensity_baseline") - 1) * 100)
        .alias("energy_intensity_change_pct"),
        ((pl.col("water_intensity") / pl.col("water_intensity_baseline") - 1) * 100)
        .alias("water_intensity_change_pct"))
    return frame.filter(pl.col("year").is_in(list(years)) | (pl.col("year") == profile.baseline_year)).sort(
        "zone_id", "year")


def _ratio(top: pl.Expr, bottom: pl.Expr) -> pl.Expr:
    return pl.when(bottom > 0).then(top / bottom)


def _num(value):
    return None if value is None or value != value else float(value)


def indicators_of(row: dict | None, profile) -> list:
    """The profile's indicators for one zone-year row of green_frame (None: no data): value, baseline, change,
    target, whether met (None without data), unit, formula, source and verified flag."""
    row = row or {}
    out = []
    for ind in profile.indicators:
        value, baseline, change = _num(row.get(ind.measure)), None, None
        if ind.kind == "reduction":
            baseline, change = _num(row.get(f"{ind.measure}_baseline")), _num(row.get(f"{ind.measure}_change_pct"))
            passed = None if change is None else change <= ind.target
        elif ind.kind == "minimum":
            passed = None if value is None else value >= ind.target
        else:
            passed = None if value is None else value >= ind.target
        out.append({"code": ind.code, "name": gettext(ind.name), "value": value, "baseline": baseline,
                    "change_pct": change, "target": ind.target, "passed": passed, "unit": gettext(ind.unit),
                    "kind": ind.kind, "formula": gettext(ind.formula), "source": ind.source, "verified": ind.verified,
                    "origin": _origin(row, ind.measure)})
    return out


def _origin(row: dict, measure: str) -> str:
    source = {"energy_intensity": row.get("energy_source"), "water_intensity": row.get("water_source")}.get(measure)
    if source == "entered":
        return gettext("园区绿色指标表填报")
    if source == "firms":
        return gettext("%(firms)s 家规上企业年度数据合计") % {"firms": row.get("firms") or 0}
    if measure in ("solid_waste_utilisation", "iso14001") and row.get(measure) is not None:
        return gettext("园区绿色指标表填报")
    return ""


def zone_rows(*, year: int, profile_id: str = DEFAULT_GREEN, zone_ids=None) -> dict:
    """zone_id → the green_frame row of `year` for the zones in `zone_ids` (None = all)."""
    frame = green_frame(years=[year], profile_id=profile_id).filter(pl.col("year") == year)
    if zone_ids is not None:
        frame = frame.filter(pl.col("zone_id").is_in(list(zone_ids)))
    return {row["zone_id"]: row for row in frame.iter_rows(named=True)}


def zone_green(*, zone, year: int, profile_id: str = DEFAULT_GREEN) -> dict:
    """One zone's green indicators in `year` (a Zone or its code):
    {"baseline_year", "profile", "indicators": [{"name", "value", "baseline", "change_pct", "target", "passed",
    "unit", …}]}."""
    zone = zone if isinstance(zone, Zone) else Zone.objects.get(code=zone)
    profile = green_profile(profile_id)
    row = zone_rows(year=year, profile_id=profile_id, zone_ids=[zone.pk]).get(zone.pk)
    return {"year": year, "baseline_year": profile.baseline_year, "profile": profile.id,
            "profile_name": gettext(profile.name), "indicators": indicators_of(row, profile)}


def zones_green(*, year: int, zone_ids=None, profile_id: str = DEFAULT_GREEN) -> list:
    """Every zone in `zone_ids` (None = all) with its indicators of `year`, by code; and the coverage of ISO 14001."""
    profile = green_profile(profile_id)
    rows = zone_rows(year=year, profile_id=profile_id, zone_ids=zone_ids)
    zones = Zone.objects.defer("geometry").order_by("code")
    zones = zones if zone_ids is None else zones.filter(pk__in=zone_ids)
    return [{"zone": z, "indicators": indicators_of(rows.get(z.pk), profile)} for z in zones]
