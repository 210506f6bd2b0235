"""Scoped reads of contracts, review runs and their checks, shared by the pages, the exports and the API.

Every function takes the caller's scope: the role must read the `supply` domain, and rows are limited to the
caller's parks (a contract through its parcel's park, a check through its own zone)."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.translation import gettext

from parkgov.supply.models import CommitmentCheck, Contract, IdleCheck, ReviewRun


@dataclass(frozen=True)
class ContractFilters:
    """The contract list's filters: text (合同编号 / 地块编码 / 企业), park code, breach rule, latest status."""

    q: str = ""
    zone: str = ""
    rule: str = ""
    status: str = ""


def contracts(*, scope, filters: ContractFilters = ContractFilters()):
    """Contracts in the caller's parks, filtered, with parcel, park and firm; ordered by 合同编号."""
    scope.require("supply")
    rows = scope.filter_zones(Contract.objects.select_related("parcel__zone", "enterprise"), "parcel__zone_id")
    if filters.q:
        text = filters.q.strip()
        rows = rows.filter(Q(number__icontains=text) | Q(parcel__code__icontains=text)
                           | Q(enterprise__name__icontains=text) | Q(enterprise__credit_code__iexact=text))
    if filters.zone:
        rows = rows.filter(Q(parcel__zone__code=filters.zone) | Q(parcel__zone__parent__code=filters.zone))
    if filters.rule:
        rows = rows.filter(breach_rule=filters.rule)
    if filters.status:
        latest = latest_run()
        rows = rows.filter(checks__run=latest, checks__status=filters.status) if latest else rows.none()
    return rows.order_by("number")


def contract(*, scope, contract_id: int) -> Contract:
    """One contract in the caller's parks (404 otherwise)."""
    found = contracts(scope=scope).filter(pk=contract_id).first()
    if found is None:
        raise Http404(gettext("合同不存在或不在您的数据范围内"))
    return found


def latest_run():
    """The latest review run over all parks (by as-of date, then creation)."""
    return ReviewRun.objects.filter(zone__isnull=True).order_by("-as_of", "-created_at", "-id").first()


def latest_checks(ids) -> dict:
    """contract id → its check in the latest run (one query)."""
    run = latest_run()
    if run is None:
        return {}
    return {c.contract_id: c for c in CommitmentCheck.objects.filter(run=run, contract_id__in=list(ids))}


def runs(*, scope):
    """Review runs the caller may see (all-park runs and runs of its parks), with in-scope counts."""
    scope.require("supply")
    rows = ReviewRun.objects.all()
    if scope.zone_ids is not None:
        rows = rows.filter(Q(zone__isnull=True) | Q(zone_id__in=scope.zone_ids))
    in_scope = Q() if scope.zone_ids is None else Q(commitments__zone_id__in=scope.zone_ids)
    return rows.annotate(contracts=Count("commitments", filter=in_scope, distinct=True),
                         damages=Sum("commitments__damages", filter=in_scope)).order_by("-as_of", "-created_at", "-id")


def run(*, scope, run_id: int) -> ReviewRun:
    found = runs(scope=scope).filter(pk=run_id).first()
    if found is None:
        raise Http404(gettext("复核批次不存在或不在您的数据范围内"))
    return found


def commitment_checks(*, scope, run_id: int, status: str = ""):
    """The run's 达产复核 rows in the caller's parks."""
    found = run(scope=scope, run_id=run_id)
    rows = scope.filter_zones(CommitmentCheck.objects.filter(run=found)
                              .select_related("contract", "parcel", "enterprise", "zone"))
    return (rows.filter(status=status) if status else rows).order_by("parcel__code", "contract__number")


def idle_checks(*, scope, run_id: int, status: str = ""):
    """The run's idle-land rows in the caller's parks."""
    found = run(scope=scope, run_id=run_id)
    rows = scope.filter_zones(IdleCheck.objects.filter(run=found).select_related("contract", "parcel", "zone"))
    return (rows.filter(status=status) if status else rows).order_by("parcel__code")
