"""Scoped reads for the API: each checks the caller's domain, keeps to its parks, and returns plain data.

Rows come from `values()` with the related codes joined in, so a page costs two queries (count and rows)
whatever its length; geometry is converted to GeoJSON for the whole page at once.
"""

import json
from pathlib import Path

import shapely
from django.db.models import F, Q
from django.utils.translation import gettext

from parkgov.errors import NotFound
from parkgov.evaluation.explain import render
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.governance.findings import scoped_findings
from parkgov.jobs.models import FINISHED as FINISHED_STATES, Job, JobStatus
from parkgov.ledger.geometry import from_wkb
from parkgov.ledger.models import FIGURE_FIELDS, Enterprise, LandLink, Parcel, Submission, YearlyFigure, Zone

PARCEL_COLUMNS = ["code", "land_code", "registered_area_m2", "computed_area_m2", "land_use_code", "ownership",
                  "supply_status", "supply_method", "supply_date", "term_years", "land_price", "floor_area_m2",
                  "footprint_area_m2", "admin_area_m2", "green_area_m2", "started_on", "ended_on"]
ENTERPRISE_COLUMNS = ["credit_code", "name", "industry_code", "scale", "status", "production_start"]
LINK_COLUMNS = ["role", "land_area_m2", "floor_area_m2", "start_date", "end_date"]
FINISHED = FINISHED_STATES  # issue 18: 中断 ends a job too
RESULT_COLUMNS = ["population", "population_name", "not_rated_reason", "land_mu", "indicators", "bonus", "deduction",
                  "adjustments", "vetoes", "total", "rank", "rank_of", "percentile", "class_original", "class_final",
                  "adjustment_reason", "tier", "consecutive_years", "policies", "charge_total"]


def page_of(queryset, *, limit: int, offset: int) -> dict:
    """One page of an ordered `values()` queryset with the total count."""
    return {"count": queryset.count(), "limit": limit, "offset": offset,
            "items": list(queryset[offset:offset + limit])}


def zones(*, scope) -> list:
    """The zones the caller may see, with their bounding boxes."""
    scope.require("zone")
    rows = scope.filter_zones(Zone.objects.order_by("code"), "id").values(
        "code", "name", "kind", "division_code", "level", "min_x", "min_y", "max_x", "max_y",
        parent_code=F("parent__code"))
    return [_with_bbox(row) for row in rows]


def _with_bbox(row: dict) -> dict:
    box = [row.pop("min_x"), row.pop("min_y"), row.pop("max_x"), row.pop("max_y")]
    row["bbox"] = None if None in box else box
    return row


def parcel_features(*, scope, bounds=None, zone=None, state="current", limit: int, offset: int) -> dict:
    """A GeoJSON FeatureCollection page of parcels (`state`: current, the default, ended by a split or merge, or
    all), optionally those whose bounding box meets `bounds`."""
    scope.require("parcel")
    parcels = scope.filter_zones(Parcel.objects.in_state(state).order_by("code"))
    if zone:
        parcels = parcels.filter(zone__code=zone)
    if bounds is not None:
        min_x, min_y, max_x, max_y = bounds
        parcels = parcels.filter(max_x__gte=min_x, min_x__lte=max_x, max_y__gte=min_y, min_y__lte=max_y)
    page = page_of(parcels.values(*PARCEL_COLUMNS, "geometry", zone_code=F("zone__code")), limit=limit, offset=offset)
    return {"type": "FeatureCollection", "count": page["count"], "limit": limit, "offset": offset,
            "features": _features(page["items"])}


def parcel_feature(*, scope, code: str) -> dict:
    """One parcel as a GeoJSON Feature, with the enterprises using it."""
    scope.require("parcel")
    rows = list(scope.filter_zones(Parcel.objects.filter(code=code))
                .values("id", *PARCEL_COLUMNS, "geometry", zone_code=F("zone__code")))
    if not rows:
        raise NotFound(gettext("地块 %(code)s 不存在或不在您的数据范围内") % {"code": code})
    parcel_id = rows[0].pop("id")
    feature = _features(rows)[0]
    feature["properties"]["land_links"] = list(
        LandLink.objects.filter(parcel_id=parcel_id).order_by("enterprise__credit_code", "role")
        .values(*LINK_COLUMNS, credit_code=F("enterprise__credit_code"), enterprise_name=F("enterprise__name")))
    return feature


def _features(rows: list) -> list:
    blobs = [row.pop("geometry") for row in rows]
    texts = shapely.to_geojson(from_wkb(blobs)) if rows else []
    return [{"type": "Feature", "id": row["code"], "geometry": json.loads(text) if text else None, "properties": row}
            for row, text in zip(rows, texts)]


def enterprises(*, scope, zone=None, scale=None, q=None, limit: int, offset: int) -> dict:
    """A page of enterprises, filtered by zone code, scale, and name or credit-code prefix."""
    scope.require("enterprise")
    found = scope.filter_zones(Enterprise.objects.order_by("credit_code"))
    if zone:
        found = found.filter(zone__code=zone)
    if scale:
        found = found.filter(scale=scale)
    if q:
        found = found.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
    return page_of(found.values(*ENTERPRISE_COLUMNS, zone_code=F("zone__code")), limit=limit, offset=offset)


def _enterprise_id(scope, credit_code: str) -> int:
    found = scope.filter_zones(Enterprise.objects.filter(credit_code=credit_code)).values_list("id", flat=True).first()
    if found is None:
        raise NotFound(gettext("企业 %(code)s 不存在或不在您的数据范围内") % {"code": credit_code})
    return found


def enterprise(*, scope, credit_code: str) -> dict:
    """One enterprise with its land links."""
    scope.require("enterprise")
    enterprise_id = _enterprise_id(scope, credit_code)
    row = Enterprise.objects.filter(pk=enterprise_id).values(*ENTERPRISE_COLUMNS, zone_code=F("zone__code")).get()
    row["land_links"] = list(LandLink.objects.filter(enterprise_id=enterprise_id).order_by("parcel__code", "role")
                             .values(*LINK_COLUMNS, parcel_code=F("parcel__code"),
                                     parcel_ended_on=F("parcel__ended_on")))
    return row


def figures(*, scope, credit_code: str) -> list:
    """An enterprise's yearly figures with per-field provenance; fields hidden from the role are left out."""
    scope.require("yearly")
    enterprise_id = _enterprise_id(scope, credit_code)
    visible = [f for f in FIGURE_FIELDS if scope.sees(f)]
    rows = list(YearlyFigure.objects.filter(enterprise_id=enterprise_id).order_by("year")
                .values("year", *visible, "provenance"))
    wanted = {row["provenance"].get(f) for row in rows for f in visible} - {None}
    sources = {s["id"]: {"submission": s.pop("id"), **s} for s in Submission.objects.filter(id__in=wanted).values(
        "id", "method", "department", "file_name", "created_at")}
    for row in rows:
        given = row.pop("provenance")
        row["provenance"] = {f: sources[given[f]] for f in visible if given.get(f) in sources}
    return rows


def findings(*, scope, status=None, category=None, limit: int, offset: int) -> dict:
    """A page of findings in the caller's parks; departments that see only their own get only those."""
    scope.require("finding")
    found = scoped_findings(scope=scope)
    if status:
        found = found.filter(status=status)
    if category:
        found = found.filter(category=category)
    rows = found.order_by("-found_on", "id").values(
        "id", "department", "category", "severity", "found_on", "description", "status", "legal_basis",
        "deadline", "rectifiable", "closed_on", credit_code=F("enterprise__credit_code"), enterprise_name=F("enterprise__name"), parcel_code=F("parcel__code"))
    return page_of(rows, limit=limit, offset=offset)


def _runs(scope):
    runs = EvaluationRun.objects.all()
    if scope.zone_ids is not None:
        runs = runs.filter(Q(zone__isnull=True) | Q(zone_id__in=scope.zone_ids))
    return runs


def evaluation_runs(*, scope, year=None, ruleset_id=None, limit: int, offset: int) -> dict:
    """A page of evaluation runs, newest first (runs of other parks are hidden from park-restricted users)."""
    scope.require("evaluation")
    scope.require_sees("evaluation_class")
    runs = _runs(scope)
    if year:
        runs = runs.filter(year=year)
    if ruleset_id:
        runs = runs.filter(ruleset_id=ruleset_id)
    rows = runs.order_by("-created_at", "-id").values(
        "id", "year", "ruleset_id", "ruleset_version", "ruleset_name", "created_at", "firms", "summary",
        zone_code=F("zone__code"))
    return page_of(rows, limit=limit, offset=offset)


def evaluation_results(*, scope, run_id: int, result_class=None, population=None, limit: int, offset: int) -> dict:
    """A page of one run's results for the caller's parks, by population and rank."""
    scope.require("evaluation")
    scope.require_sees("evaluation_class")
    if not _runs(scope).filter(pk=run_id).exists():
        raise NotFound(gettext("评价批次 %(run)s 不存在或不在您的数据范围内") % {"run": run_id})
    results = scope.filter_zones(EvaluationResult.objects.filter(run_id=run_id), "enterprise__zone_id")
    if result_class:
        results = results.filter(class_final=result_class)
    if population:
        results = results.filter(population=population)
    rows = results.order_by("population", "rank", "enterprise__credit_code").values(
        *RESULT_COLUMNS, credit_code=F("enterprise__credit_code"), enterprise_name=F("enterprise__name"),
        zone_code=F("enterprise__zone__code"))
    page = page_of(rows, limit=limit, offset=offset)
    # each indicator's explanation text, rendered from the numbers the result keeps and the run's templates; a
    # benchmark and score the result leaves out (not rated) are given as null, as every indicator has them
    explanations = EvaluationRun.objects.filter(pk=run_id).values_list("explanations", flat=True).first()
    texts = render([(row["indicators"], row["population"], explanations) for row in page["items"]])
    for row, text in zip(page["items"], texts, strict=True):
        row["indicators"] = {key: {"value": data.get("value"), "benchmark": data.get("benchmark"),
                                   "score": data.get("score"), **data, "text": text.get(key) or None}
                             if isinstance(data, dict) else data for key, data in (row["indicators"] or {}).items()}
    return page


def job(*, user, job_id) -> dict:
    """A job the user started (others' jobs are reported as not found)."""
    row = Job.objects.filter(pk=job_id, created_by=user).values(
        "id", "kind", "title", "status", "progress", "message", "result", "output_file", "created_at",
        "finished_at").first()
    if row is None:
        raise NotFound(gettext("任务 %(job)s 不存在或不是您提交的") % {"job": job_id})
    row["has_file"] = bool(row.pop("output_file"))
    row["finished"] = row["status"] in FINISHED
    return row


def job_file(*, user, job_id) -> Path:
    """Path of a job's output file (such as the error workbook of a rejected import)."""
    name = Job.objects.filter(pk=job_id, created_by=user).values_list("output_file", flat=True).first()
    if not name or not Path(name).exists():
        raise NotFound(gettext("任务 %(job)s 没有可下载的文件") % {"job": job_id})
    return Path(name)
