"""Read-only questions other apps ask of the governance tables: which list runs are current, which cases are
open or overdue, and the cases' figures for the cockpit. The map, the cockpit and the dossiers use them, so the
three say the same thing about the same rows.

A case is overdue when its deadline is before today and it is not closed (已销号): `overdue_q` is the queryset
form of `governance.cases.is_overdue(case, today=…)`. The latest run of a list rule for a year is the one
created last (then the highest id), whatever zone it was generated for.
"""

import datetime as dt

from django.db.models import Count, Max, Q

from parkgov.governance.choices import CaseState
from parkgov.governance.models import Case, ListRun, RevitalisationTarget


def overdue_q(today: dt.date) -> Q:
    """Cases past their deadline on `today` and not closed."""
    return Q(deadline__lt=today) & ~Q(state=CaseState.CLOSED)


def open_q() -> Q:
    """Cases not closed (any state before 已销号)."""
    return ~Q(state=CaseState.CLOSED)


def latest_list_runs(*, year: int | None = None) -> list[ListRun]:
    """The latest run of each list rule for each year (only `year` when given), ordered by year (newest first)
    and rule id."""
    runs = ListRun.objects.order_by("-year", "rule_id", "-created_at", "-id")
    if year is not None:
        runs = runs.filter(year=year)
    latest = {}
    for run in runs:
        latest.setdefault((run.year, run.rule_id), run)
    return list(latest.values())


def list_version() -> tuple:
    """What changes when a list run is stored or removed (runs and their entries are written once, no history)."""
    found = ListRun.objects.aggregate(newest=Max("id"), runs=Count("id"))  # one query: asked for every tile
    return found["newest"], found["runs"]


def case_figures(*, zone_ids, year: int, today: dt.date) -> dict:
    """Cases in the zones `zone_ids` (None = all): open, overdue and closed in `year` (closed_on in that year),
    the same per department named on the case, and 亩 freed by the cases closed in `year` against the zones'
    yearly 盘活 targets (a zone's target is left out when an ancestor zone in `zone_ids` has one for the year:
    the ancestor's covers it).

    {"open", "overdue", "closed", "departments": [{"department", "open", "overdue", "closed"}],
     "freed_mu", "target_mu" (None without a target), "zones": [{"zone_id", "freed_mu", "target_mu"}]}
    """
    cases = Case.objects.all() if zone_ids is None else Case.objects.filter(zone_id__in=zone_ids)
    rows = cases.filter(open_q() | Q(closed_on__year=year)).values_list(
        "state", "deadline", "closed_on", "departments", "freed_mu", "zone_id")
    total = {"open": 0, "overdue": 0, "closed": 0}
    departments, freed = {}, {}
    for state, deadline, closed_on, named, freed_mu, zone_id in rows:
        closed = state == CaseState.CLOSED
        if closed and not (closed_on and closed_on.year == year):
            continue
        keys = ["closed"] if closed else ["open", *(["overdue"] if deadline < today else [])]
        for department in [*dict.fromkeys(named or [])]:
            counts = departments.setdefault(department, {"department": department, "open": 0, "overdue": 0,
                                                         "closed": 0})
            for key in keys:
                counts[key] += 1
        for key in keys:
            total[key] += 1
        if closed:
            freed[zone_id] = freed.get(zone_id, 0.0) + (freed_mu or 0.0)
    targets = _targets(zone_ids=zone_ids, year=year)
    zones = sorted(set(freed) | set(targets))
    return {**total, "departments": sorted(departments.values(), key=lambda d: (-d["open"], d["department"])),
            "freed_mu": round(sum(freed.values()), 2),
            "target_mu": round(sum(targets.values()), 2) if targets else None,
            "zones": [{"zone_id": zone, "freed_mu": round(freed.get(zone, 0.0), 2), "target_mu": targets.get(zone)}
                      for zone in zones]}


def _targets(*, zone_ids, year: int) -> dict:
    """Zone id → target (亩) for `year`, without the zones an ancestor's target in scope covers."""
    from parkgov.ledger.models import Zone

    found = RevitalisationTarget.objects.filter(year=year)
    if zone_ids is not None:
        found = found.filter(zone_id__in=zone_ids)
    targets = dict(found.values_list("zone_id", "target_mu"))
    parents = dict(Zone.objects.values_list("id", "parent_id"))

    def covered(zone):
        parent = parents.get(zone)
        seen = set()
        while parent is not None and parent not in seen:
            if parent in targets and (zone_ids is None or parent in zone_ids):
                return True
            seen.add(parent)
            parent = parents.get(parent)
        return False
    return {zone: value for zone, value in targets.items() if not covered(zone)}


def case_url(number: str) -> str:
    """The case page's address. Branch `cases` adds the URL name `governance:case`; until it is merged the path is
    written here, the one place to switch to `reverse("governance:case", args=[number])`."""
    from urllib.parse import quote

    return f"/governance/cases/{quote(str(number), safe='')}/"
