"""Engine inputs loaded from the ledger with one query per table: firms with their year's figures and
findings, land links with their parcels, and earlier classes. No per-row ORM access."""

import datetime as dt
import hashlib

import polars as pl

from parkgov.evaluation.land import attribute_land, merge_tenants
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import FIGURE_FIELDS, Enterprise, Finding, Parcel, YearlyFigure, Zone
from parkgov.ledger.services import links_in_year


def zone_scope(zone_code: str | None) -> list | None:
    """Ids of the zone and all zones under it, or None for the whole ledger."""
    if not zone_code:
        return None
    zones = fetch_frame(Zone, columns=["code", "parent_id"])
    start = zones.filter(pl.col("code") == zone_code)
    if start.height == 0:
        from parkgov.errors import NotFound

        raise NotFound(f"园区编码 {zone_code} 不存在")
    chosen = set(start.get_column("id").to_list())
    while True:
        children = set(zones.filter(pl.col("parent_id").is_in(sorted(chosen))).get_column("id").to_list())
        if children <= chosen:
            return sorted(chosen)
        chosen |= children


def firm_inputs(*, year: int, zone_ids: list | None, land_rule) -> pl.DataFrame:
    """One row per enterprise with the engine's input fields for `year`, after land attribution."""
    firms = fetch_frame(Enterprise, columns=["credit_code", "name", "industry_code", "scale", "zone_id", "status",
                                             "production_start"])
    codes = firms.select(pl.col("id").alias("enterprise_id"), "credit_code")  # of every firm: tenants elsewhere too
    if zone_ids is not None:
        firms = firms.filter(pl.col("zone_id").is_in(zone_ids))
    zones = fetch_frame(Zone, columns=["code", "kind"]).rename({"id": "zone_id", "code": "zone_code",
                                                                "kind": "zone_kind"})
    figures = fetch_frame(YearlyFigure, columns=["enterprise_id", "year", *FIGURE_FIELDS], where_column="year",
                          values=[year]).drop("id", "year").rename({"enterprise_id": "id"})
    year_end = dt.date(year, 12, 31)
    firms = firms.join(zones, on="zone_id", how="left").join(figures, on="id", how="left").with_columns(
        ((pl.lit(year_end) - pl.col("production_start")).dt.total_days() / 365.25).alias("years_in_production"),
        pl.col("industry_code").str.slice(0, 2).alias("industry_division"),
    ).join(_finding_counts(year), on="id", how="left").with_columns(
        [pl.col(c).fill_null(0.0) for c in FINDING_COUNTS]).rename({"id": "enterprise_id"})
    links = link_inputs(year=year, codes=codes)
    firms = attribute_land(firms, links, land_rule)
    if land_rule.merge_tenants:
        firms = merge_tenants(firms, ["tax", "revenue", "output_value", "value_added", "energy_tce",
                                      "electricity_10k_kwh", "water_10k_t", "emissions_t", "rd_expense", "employees"])
    return firms.sort("credit_code")


FINDING_COUNTS = ["findings_major", "findings_safety_major", "findings_environment_major",
                  "findings_serious_or_major"]


def _finding_counts(year: int) -> pl.DataFrame:
    findings = fetch_frame(Finding, columns=["enterprise_id", "category", "severity", "found_on"]) \
        .filter(pl.col("enterprise_id").is_not_null() & (pl.col("found_on").dt.year() == year))
    major = pl.col("severity") == "major"
    return findings.group_by("enterprise_id").agg(
        major.sum().cast(pl.Float64).alias("findings_major"),
        (major & (pl.col("category") == "safety")).sum().cast(pl.Float64).alias("findings_safety_major"),
        (major & (pl.col("category") == "environment")).sum().cast(pl.Float64).alias("findings_environment_major"),
        pl.col("severity").is_in(["serious", "major"]).sum().cast(pl.Float64).alias("findings_serious_or_major"),
    ).rename({"enterprise_id": "id"})


def link_inputs(*, year: int, codes: pl.DataFrame) -> pl.DataFrame:
    """Land links in force during `year` (a split's or merge's carried links counted once, on the new parcels:
    `links_in_year`), with the host parcel's area and floor area; `codes`: enterprise_id and credit_code of
    every firm (read once by the caller)."""
    links = links_in_year(year=year, columns=["enterprise_id", "parcel_id", "role", "land_area_m2", "floor_area_m2"])
    parcels = fetch_frame(Parcel, columns=["code", "registered_area_m2", "floor_area_m2"]).rename(
        {"id": "parcel_id", "code": "parcel_code", "registered_area_m2": "parcel_area_m2",
         "floor_area_m2": "parcel_floor_area_m2"})
    return links.join(parcels, on="parcel_id", how="left").join(codes, on="enterprise_id", how="left") \
        .select("credit_code", "parcel_code", "role", "land_area_m2", "floor_area_m2", "parcel_area_m2",
                "parcel_floor_area_m2")


def frame_hash(frame: pl.DataFrame) -> str:
    """SHA-256 of a frame's CSV text with columns and rows in a fixed order (stable across runs)."""
    ordered = frame.select(sorted(frame.columns)).sort("credit_code")
    return hashlib.sha256(ordered.write_csv().encode("utf-8")).hexdigest()
