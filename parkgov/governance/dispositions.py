"""四个一批 (shengzhou §二.(三)): suggestions from the criteria for the parcels on a year's lists, and the staff
decision on each, kept with who decided, when and why (the decision's history is the audit trail).

`suggest` is the pure engine (parkgov.governance.disposition_engine); `disposition_inputs` builds its frame
with one query per table; `suggest_dispositions` stores the suggestions in bulk (history rows alongside) and
keeps any decision already taken; `decide` records a decision. Every read goes through
`scoped_decisions(scope=…)`, which the page, the API and the decide form share: a park-scoped user sees and
decides only the parcels of their parks.
"""

import datetime as dt

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parkgov.errors import InputError, NotFound
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.governance.choices import Disposition
from parkgov.governance.disposition_criteria import Criteria, get_criteria
from parkgov.governance.disposition_engine import COLUMNS, suggest
from parkgov.governance.lists import latest_runs
from parkgov.governance.models import DispositionDecision, ListEntry
from parkgov.governance.overlay import parcel_plan_shares, planned_land_use_layer
from parkgov.ledger.choices import FindingStatus
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel

__all__ = ["suggest", "listed_parcel_ids", "disposition_inputs", "suggest_dispositions", "decide",
           "scoped_decisions"]


def listed_parcel_ids(*, year: int) -> list[int]:
    """Parcels on the year's lists: entries naming a parcel, and the parcels linked to listed firms that year."""
    entries = ListEntry.objects.filter(run__in=latest_runs(year=year))
    parcels = set(entries.exclude(parcel=None).values_list("parcel_id", flat=True))
    firms = set(entries.filter(parcel=None).exclude(enterprise=None).values_list("enterprise_id", flat=True))
    if firms:
        parcels |= set(_links_in(year).filter(enterprise_id__in=firms).values_list("parcel_id", flat=True))
    return sorted(parcels)


def _links_in(year):
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return LandLink.objects.filter(Q(start_date=None) | Q(start_date__lte=end), Q(end_date=None) | Q(end_date__gte=start))


def disposition_inputs(*, year: int, parcel_ids, criteria: Criteria, layer_code: str | None = None) -> pl.DataFrame:
    """The engine's input frame (see disposition_engine) for `parcel_ids`, one query per table."""
    ids = list(parcel_ids)
    parcels = pl.DataFrame(list(Parcel.objects.filter(id__in=ids).values("id", "building_year", "building_quality")),
                           schema={"id": pl.Int64, "building_year": pl.Int64, "building_quality": pl.String})
    links = pl.DataFrame(list(_links_in(year).filter(parcel_id__in=ids).values("parcel_id", "enterprise_id")),
                         schema={"parcel_id": pl.Int64, "enterprise_id": pl.Int64}).unique()
    firm_ids = links.get_column("enterprise_id").unique().to_list()
    firms = pl.DataFrame(list(Enterprise.objects.filter(id__in=firm_ids).values("id", "industry_code")),
                         schema={"id": pl.Int64, "industry_code": pl.String})
    results = _results(year, firm_ids)
    per_firm = links.join(firms.rename({"id": "enterprise_id"}), on="enterprise_id", how="left") \
        .join(results, on="enterprise_id", how="left")
    firm_facts = per_firm.group_by("parcel_id").agg(
        pl.col("industry_code").drop_nulls().filter(pl.col("industry_code") != "").unique().sort()
        .alias("industry_codes"),
        pl.col("klass").drop_nulls().unique().sort().alias("classes"),
        pl.col("tier").drop_nulls().unique().sort().alias("tiers"))
    found = _findings(ids, links)
    shares = parcel_plan_shares(parcel_ids=ids, industrial_codes=criteria.plan_compliance.industrial_codes,
                                layer=planned_land_use_layer(layer_code))
    frame = parcels.rename({"id": "parcel_id"}).join(firm_facts, on="parcel_id", how="left") \
        .join(found, on="parcel_id", how="left").join(shares, on="parcel_id", how="left")
    return frame.with_columns(pl.lit(year, dtype=pl.Int64).alias("year"),
                              *[pl.col(c).fill_null(pl.lit([], dtype=pl.List(pl.String))) for c in ("classes", "tiers", "industry_codes")],
                              pl.col("open_findings").fill_null(0), pl.col("unfixable_findings").fill_null(0)) \
        .select(list(COLUMNS))


def _results(year, firm_ids) -> pl.DataFrame:
    """Class (A–D) and tier of each firm in the newest evaluation run of each rule set for `year`."""
    newest = {}
    for run in EvaluationRun.objects.filter(year=year).order_by("ruleset_id", "-created_at", "-id"):
        newest.setdefault(run.ruleset_id, run.pk)
    rows = EvaluationResult.objects.filter(run_id__in=newest.values(), enterprise_id__in=firm_ids) \
        .values("enterprise_id", "class_final", "tier")
    frame = pl.DataFrame(list(rows), schema={"enterprise_id": pl.Int64, "class_final": pl.String, "tier": pl.String})
    return frame.select("enterprise_id",
                        pl.when(pl.col("class_final").is_in(["A", "B", "C", "D"])).then(pl.col("class_final"))
                        .alias("klass"),
                        pl.when(pl.col("tier") != "").then(pl.col("tier")).alias("tier"))


def _findings(parcel_ids, links) -> pl.DataFrame:
    """Open findings per parcel (on the parcel or on one of its firms) and how many are marked not rectifiable."""
    firm_ids = links.get_column("enterprise_id").unique().to_list()
    rows = Finding.objects.exclude(status=FindingStatus.CLOSED).filter(
        Q(parcel_id__in=parcel_ids) | Q(enterprise_id__in=firm_ids)).values("id", "parcel_id", "enterprise_id",
                                                                             "rectifiable")
    found = pl.DataFrame(list(rows), schema={"id": pl.Int64, "parcel_id": pl.Int64, "enterprise_id": pl.Int64,
                                             "rectifiable": pl.Boolean})
    on_parcel = found.filter(pl.col("parcel_id").is_in(list(parcel_ids))).select("id", "parcel_id", "rectifiable")
    via_firm = found.drop("parcel_id").join(links, on="enterprise_id", how="inner") \
        .select("id", "parcel_id", "rectifiable")
    return pl.concat([on_parcel, via_firm]).unique(["id", "parcel_id"]).group_by("parcel_id").agg(
        pl.len().cast(pl.Int64).alias("open_findings"),
        (pl.col("rectifiable") == False).sum().cast(pl.Int64).alias("unfixable_findings"))  # noqa: E712


def suggest_dispositions(*, year: int, actor, criteria: Criteria | None = None, layer_code: str | None = None) -> int:
    """Suggest 四个一批 for every parcel on `year`'s lists and store it; decisions already taken are kept.

    Returns the number of parcels suggested. Caller owns the transaction.
    """
    criteria = criteria or get_criteria()
    ids = listed_parcel_ids(year=year)
    if not ids:
        return 0
    out = suggest(disposition_inputs(year=year, parcel_ids=ids, criteria=criteria, layer_code=layer_code), criteria)
    zones = dict(Parcel.objects.filter(id__in=ids).values_list("id", "zone_id"))
    existing = {d.parcel_id: d for d in DispositionDecision.objects.filter(year=year, parcel_id__in=ids)}
    created, changed = [], []
    for parcel_id, suggested, reasons in out.select("parcel_id", "suggested", "reasons").iter_rows():
        values = {"zone_id": zones[parcel_id], "criteria_id": criteria.id, "criteria_version": criteria.version,
                  "suggested": suggested, "suggestion_reasons": list(reasons)}
        row = existing.get(parcel_id)
        if row is None:
            created.append(DispositionDecision(parcel_id=parcel_id, year=year, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed.append(row)
    reason = f"四个一批建议 {year}（{criteria.id} v{criteria.version}）"
    with transaction.atomic():
        if created:
            bulk_create_with_history(created, DispositionDecision, batch_size=2000, default_user=actor,
                                     default_change_reason=reason)
        if changed:
            bulk_update_with_history(changed, DispositionDecision, ["zone_id", "criteria_id", "criteria_version",
                                                                    "suggested", "suggestion_reasons"],
                                     batch_size=2000, default_user=actor, default_change_reason=reason)
    return out.height


def scoped_decisions(*, scope, year=None, zone_id=None, suggested="", decided=None):
    """The decisions `scope` may see (list read, its parks), optionally filtered; newest year first."""
    scope.require("list")
    rows = scope.filter_zones(DispositionDecision.objects.select_related("parcel", "zone", "decided_by"))
    if year:
        rows = rows.filter(year=year)
    if zone_id:
        rows = rows.filter(zone_id=zone_id)
    if suggested:
        rows = rows.filter(suggested=suggested)
    if decided is not None:
        rows = rows.exclude(decided="") if decided else rows.filter(decided="")
    return rows.order_by("-year", "parcel__code")


def decision_in_scope(*, scope, pk: int, write=False) -> DispositionDecision:
    """One decision the user may see (and, with `write`, decide); NotFound outside their scope (as if it did not
    exist), PermissionDenied without `list` write before anything is looked up."""
    if write:
        scope.require("list", write=True)
    row = scoped_decisions(scope=scope).filter(pk=pk).first()
    if row is None:
        raise NotFound(gettext("四个一批处置记录 %(pk)s 不存在或不在您的数据范围内") % {"pk": pk})
    return row


def decide(*, decision: DispositionDecision, actor, scope, disposition: str, reasons: str) -> DispositionDecision:
    """Record the staff decision: `disposition` (may differ from the suggestion, then `reasons` are required).

    Needs `list` write and the parcel's park in scope. The decision's history row records who and why.
    """
    scope.require("list", write=True)
    disposition = str(disposition)
    if scope.zone_ids is not None and decision.zone_id not in scope.zone_ids:
        raise PermissionDenied(gettext("地块不在您的园区范围内，不能决定其处置"))
    if disposition not in Disposition.values:
        allowed = "、".join(f"{v}（{label}）" for v, label in Disposition.choices)
        raise InputError(gettext("处置方式“%(value)s”无效；允许：%(allowed)s") % {"value": disposition,
                                                                               "allowed": allowed})
    reasons = (reasons or "").strip()
    if disposition != decision.suggested and not reasons:
        raise InputError(gettext("决定（%(decided)s）与建议（%(suggested)s）不同，须写明理由") % {
            "decided": Disposition(disposition).label, "suggested": Disposition(decision.suggested).label})
    with transaction.atomic():
        row = DispositionDecision.objects.select_for_update().get(pk=decision.pk)
        row.decided, row.decision_reasons = disposition, reasons
        row.decided_by, row.decided_at = actor, timezone.now()
        row._history_user = actor
        row._change_reason = f"决定四个一批：{disposition}"
        row.save()
    return row
