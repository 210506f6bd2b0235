"""The list engine's input frames (`ListInputs`) and their schemas.

`parkgov.governance.inputs.list_inputs` fills them from the ledger; tests and the benchmark build them with
`make_inputs`, which gives every frame not passed an empty frame of its schema and every missing column nulls,
so a test names only the columns it is about. No Django model is imported here: the engine stays pure.
"""

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

SCHEMAS = {
    "firms": {"enterprise_id": pl.Int64, "credit_code": pl.String, "name": pl.String, "zone_id": pl.Int64,
              "industry_code": pl.String, "scale": pl.String, "status": pl.String, "production_start": pl.Date},
    "parcels": {"parcel_id": pl.Int64, "parcel_code": pl.String, "zone_id": pl.Int64, "ownership": pl.String,
                "supply_status": pl.String, "supply_date": pl.Date, "land_use_code": pl.String,
                "registered_area_m2": pl.Float64, "floor_area_m2": pl.Float64, "footprint_area_m2": pl.Float64,
                "building_year": pl.Int64, "building_quality": pl.String, "land_procedures": pl.String,
                "geometry": pl.Binary, "min_x": pl.Float64, "min_y": pl.Float64, "max_x": pl.Float64,
                "max_y": pl.Float64},  # WKB in EPSG:4490 and its box (from the geometry when not given)
    # land links in force during the list year
    "links": {"enterprise_id": pl.Int64, "parcel_id": pl.Int64, "role": pl.String, "land_area_m2": pl.Float64},
    "findings": {"finding_id": pl.Int64, "enterprise_id": pl.Int64, "parcel_id": pl.Int64, "category": pl.String,
                 "severity": pl.String, "status": pl.String, "found_on": pl.Date, "closed_on": pl.Date},
    # the list year and the years before it (listfields.HISTORY_YEARS in all), one row per firm and year
    "figures": {"enterprise_id": pl.Int64, "year": pl.Int64, "tax": pl.Float64, "revenue": pl.Float64,
                "output_value": pl.Float64, "value_added": pl.Float64, "energy_tce": pl.Float64,
                "electricity_10k_kwh": pl.Float64, "employees": pl.Float64},
    # the chosen evaluation run's results (final class after 调档), one row per firm
    "evaluation": {"enterprise_id": pl.Int64, "klass": pl.String, "tier": pl.String, "tax_per_mu": pl.Float64,
                   "land_mu": pl.Float64, "total": pl.Float64},
    # final classes of earlier years (the latest run of each year in the chosen run's rule-set family)
    "class_history": {"enterprise_id": pl.Int64, "year": pl.Int64, "klass": pl.String},
    # features of the reference layers, WKB in EPSG:4490
    "references": {"layer_code": pl.String, "kind": pl.String, "geometry": pl.Binary},
}


@dataclass
class ListInputs:
    """Everything a list rule may read for one year, as frames (see SCHEMAS for their columns).

    `as_of` is the date findings are judged open and supply anniversaries counted on (31 December of the
    year). `derived` memoises the subject frames and distances the engine builds from these, so generating
    every rule over the same inputs builds them once; it is not part of the inputs' identity.
    """

    year: int
    as_of: dt.date
    evaluation_run_id: int | None
    firms: pl.DataFrame
    parcels: pl.DataFrame
    links: pl.DataFrame
    findings: pl.DataFrame
    figures: pl.DataFrame
    evaluation: pl.DataFrame
    class_history: pl.DataFrame
    references: pl.DataFrame
    zone_ids: list | None = None
    derived: dict = field(default_factory=dict, repr=False, compare=False)


def conform(name: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    """`frame` with exactly the columns of SCHEMAS[name] in order and type (missing ones null)."""
    schema = SCHEMAS[name]
    if frame is None:
        return pl.DataFrame(schema=schema)
    if isinstance(frame, (list, dict)):
        frame = pl.DataFrame(frame, strict=False)
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]
    return frame.with_columns(missing).select([pl.col(c).cast(t) for c, t in schema.items()])


def make_inputs(*, year: int, as_of: dt.date | None = None, evaluation_run_id: int | None = None,
                zone_ids=None, **frames) -> ListInputs:
    """ListInputs from frames (or lists of dicts) by name; the ones not given are empty."""
    unknown = set(frames) - set(SCHEMAS)
    if unknown:
        raise TypeError(f"unknown input frames: {', '.join(sorted(unknown))}; allowed: {', '.join(SCHEMAS)}")
    return ListInputs(year=year, as_of=as_of or dt.date(year, 12, 31), evaluation_run_id=evaluation_run_id,
                      zone_ids=zone_ids, **{name: conform(name, frames.get(name)) for name in SCHEMAS})
