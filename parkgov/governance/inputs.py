"""The list engine's inputs loaded from the ledger with one query per table (no per-row ORM access).

`list_inputs` reads firms, parcels (with their WKB geometry), the land links in force during the year,
findings, the yearly figures of the year and the nine before, the chosen evaluation run's results with the
final classes of earlier years (the latest run of each year in the run's rule-set family), and the features of
every reference layer. `input_hash` fingerprints them so a list run is reproducible.
"""

import datetime as dt
import hashlib
import json

import polars as pl
from django.db import connection

from parkgov.errors import InputError, NotFound
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.services import class_history_frame
from parkgov.governance import listfields as vocab
from parkgov.governance.frames import SCHEMAS, ListInputs, conform
from parkgov.governance.models import ReferenceFeature, ReferenceLayer
from parkgov.ledger.bulk import fetch_frame
from parkgov.ledger.models import Enterprise, Finding, Parcel, YearlyFigure
from parkgov.ledger.services import current_parcel_frame, links_in_year

PARCEL_COLUMNS = ["code", "zone_id", "ownership", "supply_status", "supply_date", "land_use_code",
                  "registered_area_m2", "floor_area_m2", "footprint_area_m2", "building_year", "building_quality",
                  "land_procedures", "min_x", "min_y", "max_x", "max_y"]
FIGURE_COLUMNS = [c for c in SCHEMAS["figures"] if c not in ("enterprise_id", "year")]
# the order rows are hashed in (a natural key of each frame)
HASH_KEYS = {"firms": ["enterprise_id"], "parcels": ["parcel_id"], "links": ["enterprise_id", "parcel_id", "role"],
             "findings": ["finding_id"], "figures": ["enterprise_id", "year"], "evaluation": ["enterprise_id"],
             "class_history": ["enterprise_id", "year"], "references": ["layer_code", "geometry"]}


def list_inputs(*, year: int, evaluation_run_id: int | None = None, zone_ids: list | None = None) -> ListInputs:
    """Frames for `year` (zone_ids: only firms and parcels of those zones; None = the whole ledger).

    The evaluation run is the one given, else the latest run of `year` over the whole ledger, else the latest
    of `year` for any zone, else none (rules needing evaluation results then refuse to run).
    """
    run = _evaluation_run(year, evaluation_run_id)
    firms = fetch_frame(Enterprise, columns=["credit_code", "name", "zone_id", "industry_code", "scale", "status",
                                             "production_start"]).rename({"id": "enterprise_id"})
    parcels = current_parcel_frame(columns=PARCEL_COLUMNS).rename({"id": "parcel_id", "code": "parcel_code"})
    if zone_ids is not None:
        firms = firms.filter(pl.col("zone_id").is_in(zone_ids))
        parcels = parcels.filter(pl.col("zone_id").is_in(zone_ids))
    parcels = parcels.join(_geometries(Parcel, "parcel_id"), on="parcel_id", how="left")
    firm_ids = firms.get_column("enterprise_id")
    frames = {
        "firms": firms, "parcels": parcels,
        "links": _links(year).filter(pl.col("enterprise_id").is_in(firm_ids.to_list())
                                     | pl.col("parcel_id").is_in(parcels.get_column("parcel_id").to_list())),
        "findings": fetch_frame(Finding, columns=["enterprise_id", "parcel_id", "category", "severity", "status",
                                                  "found_on", "closed_on"]).rename({"id": "finding_id"}),
        "figures": fetch_frame(YearlyFigure, columns=["enterprise_id", "year", *FIGURE_COLUMNS], where_column="year",
                               values=list(range(year - vocab.HISTORY_YEARS + 1, year + 1))).drop("id"),
        "evaluation": _evaluation(run),
        "class_history": _class_history(run, year, firms),
        "references": _references(),
    }
    return ListInputs(year=year, as_of=dt.date(year, 12, 31), evaluation_run_id=run.pk if run else None,
                      zone_ids=zone_ids, **{name: conform(name, frame) for name, frame in frames.items()})


def _evaluation_run(year: int, run_id: int | None):
    if run_id is not None:
        run = EvaluationRun.objects.filter(pk=run_id).first()
        if run is None:
            raise NotFound(f"评价批次 {run_id} 不存在")
        if run.year != year:
            raise InputError(f"评价批次 {run_id} 是 {run.year} 年的，不能用于 {year} 年的清单")
        return run
    runs = EvaluationRun.objects.filter(year=year).order_by("-created_at", "-pk")
    return runs.filter(zone__isnull=True).first() or runs.first()


def _links(year: int) -> pl.DataFrame:
    return links_in_year(year=year, columns=["enterprise_id", "parcel_id", "role", "land_area_m2"])


def _evaluation(run) -> pl.DataFrame:
    if run is None:
        return conform("evaluation", None)
    results = fetch_frame(EvaluationResult, columns=["enterprise_id", "class_final", "tier", "indicators", "land_mu",
                                                     "total"], where_column="run_id", values=[run.pk])
    indicators = [value if isinstance(value, str) else json.dumps(value)
                  for value in results.get_column("indicators").to_list()]
    return results.with_columns(pl.Series("indicators", indicators, dtype=pl.String)).select(
        "enterprise_id", pl.col("class_final").alias("klass"),
        pl.when(pl.col("tier") != "").then(pl.col("tier")).alias("tier"),
        pl.col("indicators").str.json_path_match("$.tax_per_mu.value").cast(pl.Float64, strict=False)
        .alias("tax_per_mu"), "land_mu", "total")


def _class_history(run, year: int, firms: pl.DataFrame) -> pl.DataFrame:
    if run is None:
        return conform("class_history", None)
    history = class_history_frame(ruleset_id=run.ruleset_id, before=year)
    return history.join(firms.select("credit_code", "enterprise_id"), on="credit_code") \
        .select("enterprise_id", "year", "klass")


def _geometries(model, id_name: str) -> pl.DataFrame:
    """id, WKB geometry of the rows of `model` that have one (bytes, whichever database)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, geometry FROM {table} WHERE geometry IS NOT NULL")
        rows = cursor.fetchall()
    return pl.DataFrame({id_name: [r[0] for r in rows], "geometry": [bytes(r[1]) for r in rows]},
                        schema={id_name: pl.Int64, "geometry": pl.Binary})


def _references() -> pl.DataFrame:
    layers = fetch_frame(ReferenceLayer, columns=["code", "kind"]).rename({"id": "layer_id", "code": "layer_code"})
    features = fetch_frame(ReferenceFeature, columns=["layer_id"]).rename({"id": "feature_id"})
    geometry = _geometries(ReferenceFeature, "feature_id")
    return features.join(geometry, on="feature_id").join(layers, on="layer_id").select("layer_code", "kind",
                                                                                        "geometry")


def input_hash(inputs: ListInputs) -> str:
    """SHA-256 of the year, the list date, the evaluation run and every frame (rows in a fixed order)."""
    digest = hashlib.sha256(f"{inputs.year}|{inputs.as_of}|{inputs.evaluation_run_id}".encode())
    for name, keys in HASH_KEYS.items():
        frame = getattr(inputs, name)
        frame = frame.with_columns([pl.col(c).bin.encode("hex") for c, t in frame.schema.items() if t == pl.Binary])
        digest.update(name.encode())
        digest.update(frame.sort(keys, nulls_last=True).write_csv().encode("utf-8"))
    return digest.hexdigest()
