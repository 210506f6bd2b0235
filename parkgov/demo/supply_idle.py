"""The demo's idle land (闲置土地), built after the contracts part: the dates of chosen demo contracts are set so
that, as of the demo's date 2025-12-31 (and again as of today when today is later), parcels sit at every status —
normal, about to be idle, idle, to be recovered, started but stalled, idle for a government cause — and the
procedure's notices are recorded at each step, through the services (date and order checks apply). Then the
governance list 闲置土地 is generated for the demo's list years.

Deterministic: the contracts are taken in contract-number order, on parcels not built on first.
"""

from __future__ import annotations

import datetime as dt

from parkgov.supply import idle
from parkgov.supply.models import Contract

DEMO_DATE = dt.date(2025, 12, 31)
LIST_YEARS = (2024, 2025)
NOT_BUILT = ("supplied_not_used", "idle")


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def scenarios(anchor: dt.date) -> list[dict]:
    """What each chosen contract becomes as of `anchor`: the agreed start and, for the stalled one, the facts."""
    return [
        {"name": "normal", "agreed_start": _months_before(anchor, 6)},
        {"name": "warning", "agreed_start": _months_before(anchor, 11)},
        {"name": "idle", "agreed_start": _months_before(anchor, 13)},
        {"name": "idle_fee", "agreed_start": _months_before(anchor, 17)},
        {"name": "recover", "agreed_start": _months_before(anchor, 26)},
        {"name": "stalled", "agreed_start": _months_before(anchor, 33), "started_after_days": 40,
         "stopped": _months_before(anchor, 15), "developed_share": 0.2, "invested_share": 0.15},
        {"name": "government", "agreed_start": _months_before(anchor, 14), "extension_months": 10},
    ]


def build(*, data, seed: int, actor) -> int:
    """Adjust the chosen contracts, record notices and one government-caused exception per anchor date, and
    generate the 闲置土地 list; returns the contracts adjusted plus the notices and exceptions recorded."""
    from parkgov.governance.lists import generate_lists

    anchors = [DEMO_DATE] + ([dt.date.today()] if dt.date.today() > DEMO_DATE + dt.timedelta(days=60) else [])
    contracts = list(Contract.objects.select_related("parcel").order_by("number"))
    pool = [c for c in contracts if c.parcel.supply_status in NOT_BUILT] + \
        [c for c in contracts if c.parcel.supply_status not in NOT_BUILT]
    used, made = set(), 0
    for n, anchor in enumerate(anchors, start=1):
        for scenario in scenarios(anchor):
            contract = next((c for c in pool if c.pk not in used and c.signed_on <= scenario["agreed_start"]), None)
            if contract is None:
                continue
            used.add(contract.pk)
            _set_dates(contract, scenario)
            made += 1 + _procedure(contract, scenario, anchor=anchor, series=n, actor=actor)
    for year in LIST_YEARS:
        generate_lists(year=year, actor=actor, rule_ids=["idle-land"])
    return made


def _set_dates(contract: Contract, scenario: dict) -> None:
    start = scenario["agreed_start"]
    contract.agreed_start = start
    contract.actual_start = contract.actual_completion = contract.actual_production = None
    contract.stopped_on = contract.developed_area_m2 = None
    if contract.agreed_completion is None or contract.agreed_completion < start:
        contract.agreed_completion = start.replace(year=start.year + 2) if start.month != 2 or start.day != 29 \
            else dt.date(start.year + 2, 2, 28)
    if contract.agreed_production is None or contract.agreed_production < contract.agreed_completion:
        contract.agreed_production = contract.agreed_completion + dt.timedelta(days=730)
    if contract.delivered_on and contract.delivered_on > start:
        contract.delivered_on = max(contract.signed_on, start - dt.timedelta(days=30))
    if "stopped" in scenario:
        contract.actual_start = start + dt.timedelta(days=scenario["started_after_days"])
        contract.stopped_on = scenario["stopped"]
        contract.developed_area_m2 = round(contract.parcel.registered_area_m2 * scenario["developed_share"], 1)
        total = contract.total_investment or 1000.0
        contract.total_investment, contract.invested = total, round(total * scenario["invested_share"], 1)
    else:
        contract.invested = 0.0 if contract.total_investment else None
    contract.note = f"演示：闲置土地（{scenario['name']}）"
    contract.save()


def _procedure(contract: Contract, scenario: dict, *, anchor: dt.date, series: int, actor) -> int:
    """The notices (and the exception) of the scenario's step of the procedure; returns the rows recorded."""
    parcel, name = contract.parcel, scenario["name"]
    count = [0]
    year = anchor.year

    def notice(kind, issued, *, served_after=3, answered_after=None, number=None):
        served = issued + dt.timedelta(days=served_after) if served_after is not None else None
        idle.record_notice(parcel=parcel, contract=contract, actor=actor, kind=kind, issued_on=issued,
                           served_on=served,
                           answered_on=served + dt.timedelta(days=answered_after) if answered_after else None,
                           document_number=number or f"嵊自然资闲〔{year}〕{series}{count[0] + 1:02d}-{parcel.code}")
        count[0] += 1

    idle_on = idle._anniversary(scenario["agreed_start"], 1, idle.idle_rules())
    if name == "idle":  # investigated, the answer not yet due
        notice("investigation", anchor - dt.timedelta(days=10))
    elif name == "idle_fee":  # investigated, determined, the fee decided
        notice("investigation", idle_on + dt.timedelta(days=20), answered_after=20)
        notice("determination", idle_on + dt.timedelta(days=60), served_after=2)
        notice("fee", idle_on + dt.timedelta(days=75), served_after=2)
    elif name == "recover":  # every step up to the recovery decision
        notice("investigation", idle_on + dt.timedelta(days=15), answered_after=25)
        notice("determination", idle_on + dt.timedelta(days=60), served_after=2)
        notice("fee", idle_on + dt.timedelta(days=80), served_after=2)
        recover_on = idle._anniversary(scenario["agreed_start"], 2, idle.idle_rules())
        notice("hearing", recover_on + dt.timedelta(days=10), served_after=1, answered_after=3)
        notice("recovery", recover_on + dt.timedelta(days=30), served_after=2)
    elif name == "stalled":
        stall_idle = idle._anniversary(scenario["stopped"], 1, idle.idle_rules())
        notice("investigation", stall_idle + dt.timedelta(days=10), answered_after=28)
        notice("determination", stall_idle + dt.timedelta(days=50), served_after=2)
    elif name == "government":
        start = scenario["agreed_start"]
        extended = _months_before(start, -scenario["extension_months"])
        idle.record_exception(parcel=parcel, contract=contract, actor=actor, cause="not_delivered",
                              reason="园区未按约定完成场地平整和通水通电，土地未按期交付",
                              starts_on=start - dt.timedelta(days=20), ends_on=extended - dt.timedelta(days=15),
                              extended_start=extended)
        count[0] += 1
        notice("investigation", idle_on + dt.timedelta(days=10), answered_after=15)
    return count[0]
