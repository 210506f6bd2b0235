"""The supply sections of the parcel and firm dossiers (一地一档, 一企一档): the 标准地 contracts with their
commitments and latest 达产复核, the idle-land clock (agreed start, the idle and recovery dates, days left or
overdue, fee, notices, government-caused exceptions), 零增地 renovations, quota movements and the applications.

A role that does not read `supply` gets None and the page shows no section. The dossier itself is already cut to
the user's parks; rows reached through another park (a firm's contract on a parcel of a park the user may not
see, a quota transfer booked on another park's account) are cut by their own zone, like the governance sections.
"""

from django.db.models import Q
from django.utils import timezone

from parkgov.ledger.models import Parcel
from parkgov.supply.contract_rules import indicator_set
from parkgov.supply.models import Application, CommitmentCheck, Contract, IdleCheck, QuotaMovement, Renovation
from parkgov.supply.idle import idle_clock
from parkgov.supply.summary import latest_run


def supply_sections(*, scope, enterprise=None, parcel=None) -> dict | None:
    """{"contracts", "idle", "renovations", "quota", "applications"} for the dossier of `enterprise` or `parcel`,
    or None when the role may not read supply."""
    if not scope.can_read("supply"):
        return None
    today = timezone.localdate()
    if parcel is not None:
        contracts = Contract.objects.filter(parcel=parcel)
        applications = Application.objects.filter(Q(parcel=parcel) | Q(contract__parcel=parcel))
        parcel_ids = [parcel.pk]
    else:
        contracts = scope.filter_zones(Contract.objects.filter(enterprise=enterprise), "parcel__zone_id")
        applications = Application.objects.filter(Q(enterprise=enterprise)
                                                  | Q(investor_credit_code=enterprise.credit_code))
        parcel_ids = list(contracts.values_list("parcel_id", flat=True).distinct())
    contracts = list(contracts.select_related("parcel", "enterprise").order_by("-signed_on", "number"))
    _attach_checks(contracts, withheld=withheld_indicators(scope))
    return {
        "contracts": contracts,
        "idle": idle_clocks(parcel_ids=parcel_ids, today=today),
        "renovations": list(Renovation.objects.filter(parcel_id__in=parcel_ids).select_related("parcel")),
        "quota": list(scope.filter_zones(QuotaMovement.objects.filter(parcel_id__in=parcel_ids), "account__zone_id")
                      .select_related("account__zone", "parcel", "case").order_by("-moved_on", "-id")),
        "applications": list(scope.filter_zones(applications.distinct()).select_related("zone", "parcel")
                             .order_by("-created_at", "-id")),
        "parcel_view": parcel is not None,
    }


def withheld_indicators(scope) -> set:
    """Codes of the indicators (supply/data/indicators.yaml) whose actual value is computed from a yearly figure the
    role may not see (亩均税收 from tax for a role without the tax figures): their actual value and shortfall are
    left out of the dossier, the committed value and the result stay."""
    withheld = set()
    for indicator in indicator_set().indicators:
        sources = [*indicator.numerator, indicator.denominator]
        if any(not scope.sees(s.split(".", 1)[1]) for s in sources if s.startswith(("yearly.", "yearly_total."))):
            withheld.add(indicator.code)
    return withheld


def _attach_checks(contracts, *, withheld=frozenset()) -> None:
    """Each contract's newest 达产复核 (`latest_check`, None before the first review; the actual value and shortfall
    of `withheld` indicators blanked) and its committed indicators as rows (`commitment_rows`: code, name and unit
    from that check when it has them)."""
    newest = {}
    for check in CommitmentCheck.objects.filter(contract__in=contracts).select_related("run") \
            .order_by("contract_id", "-run__created_at", "-run_id"):
        newest.setdefault(check.contract_id, check)
    for contract in contracts:
        check = contract.latest_check = newest.get(contract.pk)
        if check is not None:
            check.indicators = [row | {"actual": None, "shortfall_pct": None, "withheld": True}
                                if isinstance(row, dict) and row.get("code") in withheld else row
                                for row in check.indicators or []]
        named = {row.get("code"): row for row in (check.indicators if check else []) if isinstance(row, dict)}
        committed = contract.indicators or {}
        # the check's order, then by code (PostgreSQL's jsonb keeps no key order)
        codes = [code for code in named if code in committed] + sorted(set(committed) - set(named))
        contract.commitment_rows = [{"code": code, "name": named.get(code, {}).get("name", code),
                                     "unit": named.get(code, {}).get("unit", ""), "committed": committed[code]}
                                    for code in codes]


def idle_clocks(*, parcel_ids, today) -> list:
    """The idle-land clock of each parcel as of today (`supply.idle.idle_clock`: status, agreed and actual start,
    the one-year and two-year dates, days left or overdue, fee with its formula, reasons, notices, exceptions), with
    the status the latest review run stored (`check`, None when the run has none). Parcels without a clock
    (not supplied) and with nothing recorded are left out."""
    run = latest_run()
    checks = {c.parcel_id: c for c in IdleCheck.objects.filter(run=run, parcel_id__in=parcel_ids)} if run else {}
    clocks = []
    for parcel in Parcel.objects.filter(pk__in=parcel_ids).order_by("code"):
        clock = idle_clock(parcel=parcel, on=today)
        if clock["status"] is None and not (clock["notices"] or clock["exceptions"]):
            continue
        clocks.append(clock | {"parcel": parcel, "check": checks.get(parcel.pk), "run": run})
    return clocks
