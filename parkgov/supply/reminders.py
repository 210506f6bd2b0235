"""Reminders of 标准地 contract dates: agreed 动工, 竣工 and 达产 dates falling in the next 30 and 90 days, and those
passed without the actual date recorded (overdue), within a user's scope.

The windows come from data (thresholds.csv `supply_reminder_days_near`, `supply_reminder_days_far`).
"""

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_noop

from parkgov.codes.thresholds import threshold
from parkgov.supply.models import CommitmentCheck, Contract

# (stage label, agreed date field, the field recording that it happened). 达产 has no date of its own: it is
# reached when the latest 达产复核 found the commitments met.
STAGES = ((gettext_noop("动工"), "agreed_start", "actual_start"),
          (gettext_noop("竣工"), "agreed_completion", "actual_completion"),
          (gettext_noop("达产"), "agreed_production", None))


def _item(contract, stage, agreed, today):
    return {"contract_id": contract.pk, "number": contract.number, "parcel": contract.parcel.code,
            "enterprise": contract.enterprise.name if contract.enterprise_id else "", "stage": stage,
            "date": agreed, "days": (agreed - today).days, "zone": contract.parcel.zone.name}


def reminders(*, scope, today: dt.date) -> dict:
    """{"within_30": [...], "within_90": [...], "overdue": [...], "counts": {...}}; each item is a dict with
    contract_id, number, parcel, enterprise, stage (动工/竣工/达产), date, days (negative when overdue), zone.
    within_90 includes within_30; an item is one stage of one contract. `scope` None = every park."""
    near, far = int(threshold("supply_reminder_days_near")), int(threshold("supply_reminder_days_far"))
    horizon = today + dt.timedelta(days=far)
    condition = Q()
    for _stage, agreed, actual in STAGES:
        condition |= Q(**{f"{agreed}__lte": horizon, **({f"{actual}__isnull": True} if actual else {})})
    contracts = Contract.objects.filter(condition).select_related("parcel__zone", "enterprise")
    if scope is not None:
        contracts = scope.filter_zones(contracts, "parcel__zone_id")
    contracts = list(contracts.order_by("number"))
    met = _met_contracts([c.pk for c in contracts if c.agreed_production and c.agreed_production < today])
    out = {"within_30": [], "within_90": [], "overdue": []}
    for contract in contracts:
        for stage, agreed, actual in STAGES:
            when = getattr(contract, agreed)
            done = getattr(contract, actual) is not None if actual else contract.pk in met
            if when is None or done or when > horizon:
                continue
            item = _item(contract, stage, when, today)
            if when < today:
                out["overdue"].append(item)
            else:
                out["within_90"].append(item)
                if item["days"] <= near:
                    out["within_30"].append(item)
    for key in out:
        out[key].sort(key=lambda i: (i["date"], i["number"]))
    out["counts"] = {key: len(items) for key, items in out.items()}
    return out


def _met_contracts(ids) -> set:
    """Contracts whose latest 达产复核 (by as-of date, then run) found the commitments met."""
    latest = {}
    rows = CommitmentCheck.objects.filter(contract_id__in=ids).order_by("run__as_of", "run_id") \
        .values_list("contract_id", "status")
    for contract_id, status in rows:
        latest[contract_id] = status
    return {c for c, status in latest.items() if status == "met"}
