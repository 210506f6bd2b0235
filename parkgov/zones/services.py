"""Zone evaluation services: run and store a TD/T 1029 evaluation, read results for pages, comparisons and ranks.

`run_zone_evaluation` rebuilds the accounts of the year and the three before it (accounts.refresh_accounts), reads
them with one query, calls the pure engine and stores the run and one result per zone in bulk. The caller owns the
transaction. Reads take the caller's zone ids (Scope.zone_ids: None = every zone) so pages, API and exports show
the same rows.
"""

import hashlib
import json

import polars as pl
from django.utils import timezone

from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import Zone
from parkgov.zones.accounts import accounts_frame, refresh_accounts
from parkgov.zones.engine import evaluate
from parkgov.zones.models import ZoneEvaluationResult, ZoneEvaluationRun, ZoneLandAccount
from parkgov.zones.profile import get_profile
from parkgov.zones.stars import star_bands

DEFAULT_PROFILE = "tdt1029_2014_industrial"


def _hash(frame: pl.DataFrame) -> str:
    ordered = frame.select(sorted(frame.columns)).sort("zone_code", "year")
    return hashlib.sha256(ordered.write_csv().encode("utf-8")).hexdigest()


def run_zone_evaluation(*, year: int, profile_id: str = DEFAULT_PROFILE, actor=None) -> ZoneEvaluationRun:
    """Evaluate every zone with a land account in `year` under a profile (built-in id or YAML path); store the run."""
    profile = get_profile(profile_id)
    if not 2000 <= year <= timezone.now().year:
        raise InputError(f"年度 {year} 不在允许范围 2000–{timezone.now().year}")
    years = range(year - 3, year + 1)
    refresh_accounts(years=years)
    accounts = accounts_frame(years=years)
    if accounts.filter(pl.col("year") == year).height == 0:
        raise InputError(f"{year} 年没有任何园区的土地账：请先导入「园区土地」工作表或「地块」台账")
    outcome = evaluate(accounts, profile, year=year, stars=star_bands())
    run = ZoneEvaluationRun.objects.create(
        year=year, profile_id=profile.id, profile_version=profile.version, profile_hash=profile.content_hash,
        profile_name=profile.name, input_hash=_hash(accounts), actor=actor, zones=outcome.height)
    snapshots = {r["zone_id"]: r for r in accounts.filter(pl.col("year") == year).drop(
        "zone_code", "zone_name").to_dicts()}
    ZoneEvaluationResult.objects.bulk_create([ZoneEvaluationResult(
        run=run, zone_id=row["zone_id"], indicators=_clean(row["indicators"]), total=_num(row["total"]),
        total_text=row["total_text"] or "", potentials=_clean(row["potentials"]), supply_years=_num(row["supply_years"]),
        supply_years_text=row["supply_years_text"] or "", stars=row["stars"], rank=row["rank"],
        rank_of=row["rank_of"], missing=row["missing"] or "", account=snapshots.get(row["zone_id"], {}))
        for row in outcome.iter_rows(named=True)])
    return run


def _num(x):
    return None if x is None or x != x or x in (float("inf"), float("-inf")) else float(x)


def _clean(items) -> list:
    """JSON-safe copies (NaN and infinities as null)."""
    return json.loads(json.dumps([{k: (_num(v) if isinstance(v, float) else v) for k, v in item.items()}
                                  for item in items or []]))


def runs(*, year: int | None = None, profile_id: str | None = None):
    qs = ZoneEvaluationRun.objects.all()
    if year:
        qs = qs.filter(year=year)
    if profile_id:
        qs = qs.filter(profile_id=profile_id)
    return qs.order_by("-created_at", "-pk")


def latest_run(*, year: int, profile_id: str = DEFAULT_PROFILE) -> ZoneEvaluationRun:
    run = runs(year=year, profile_id=profile_id).first()
    if run is None:
        raise NotFound(f"没有 {year} 年按指标体系 {profile_id} 的园区评价，请先运行 parkgov zone evaluate")
    return run


def scoped_results(*, run: ZoneEvaluationRun, zone_ids):
    """The run's results of the zones in `zone_ids` (None = all), best first."""
    qs = run.results.select_related("zone")
    return qs if zone_ids is None else qs.filter(zone_id__in=zone_ids)


def zone_result(*, zone_code: str, year: int, profile_id: str = DEFAULT_PROFILE, zone_ids=None):
    """(zone, run, result) of the latest run of `year` for a zone in scope (NotFound outside it)."""
    zone = Zone.objects.filter(code=zone_code).first()
    if zone is None or (zone_ids is not None and zone.pk not in zone_ids):
        raise NotFound(f"园区 {zone_code} 不存在或不在您的数据范围内")
    run = latest_run(year=year, profile_id=profile_id)
    result = run.results.filter(zone=zone).first()
    if result is None:
        raise NotFound(f"{year} 年园区评价批次 {run.pk} 中没有园区 {zone_code}（缺少其土地账）")
    return zone, run, result


def history(*, zone, profile_id: str = DEFAULT_PROFILE) -> list:
    """The zone's result in the latest run of each year under the profile, oldest first (compare years)."""
    latest = {}
    for run in ZoneEvaluationRun.objects.filter(profile_id=profile_id).order_by("created_at", "pk"):
        latest[run.year] = run.pk
    results = ZoneEvaluationResult.objects.filter(run_id__in=latest.values(), zone=zone).select_related("run")
    return sorted(results, key=lambda r: r.run.year)


def scoped_accounts(*, zone_ids, year: int | None = None):
    qs = ZoneLandAccount.objects.select_related("zone")
    if year:
        qs = qs.filter(year=year)
    return qs if zone_ids is None else qs.filter(zone_id__in=zone_ids)


def write_zone_evaluation(*, path, zone_code: str, year: int, profile_id: str = DEFAULT_PROFILE, zone_ids=None,
                          run_first=False, actor=None) -> tuple:
    """Write one zone's evaluation workbook (export.write_zone_workbook) from the latest run of the year, after
    running a new evaluation when `run_first`; returns (run, result, rows)."""
    from parkgov.zones.export import write_zone_workbook

    if run_first:
        run_zone_evaluation(year=year, profile_id=profile_id, actor=actor)
    zone, run, result = zone_result(zone_code=zone_code, year=year, profile_id=profile_id, zone_ids=zone_ids)
    account = ZoneLandAccount.objects.filter(zone=zone, year=year).first()
    rows = write_zone_workbook(path=path, zone=zone, run=run, result=result,
                               provenance=account.provenance if account else {})
    return run, result, rows
