"""The case board's query: one scoped, filtered queryset, overdue first, shared by the board page, the Excel
export and the API list — so the three always show the same rows for the same user and filters.

Scope comes first (`cases.scoped_cases`: role reads `case`, the user's parks); the filters only narrow it.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case as When_, IntegerField, Q, Value, When
from django.utils.translation import gettext

from parkgov.errors import InputError
from parkgov.governance.cases import listed, scoped_cases
from parkgov.governance.choices import CaseState
from parkgov.governance.workflow import builtin_workflow_ids, get_workflow


@dataclass(frozen=True)
class BoardFilters:
    """The board's filters as parsed from a request (empty = no filter)."""

    state: str = ""
    department: str = ""
    zone: str = ""  # a park's code: the park and its child zones
    overdue: bool = False

    @classmethod
    def parse(cls, params) -> "BoardFilters":
        """From GET/query parameters; InputError naming an unknown state or department."""
        from parkgov.codes.tables import code_table

        state, department = params.get("state", "") or "", params.get("department", "") or ""
        if state and state not in CaseState.values:
            raise InputError(gettext("未知的案件状态“%(value)s”；允许：%(allowed)s") % {
                "value": state, "allowed": listed(CaseState.values)})
        if department and department not in code_table("departments").entries:
            raise InputError(gettext("未知部门“%(value)s”") % {"value": department})
        overdue = str(params.get("overdue", "") or "").lower() in ("1", "true", "on", "yes")
        return cls(state=state, department=department, zone=(params.get("zone", "") or "").strip(), overdue=overdue)


def final_states() -> set:
    return {s.code for w in builtin_workflow_ids() for s in get_workflow(w).states if s.final}


def board_cases(*, scope, filters: BoardFilters, today: dt.date):
    """The user's cases matching `filters`, annotated `late` (1 = overdue on `today`), overdue first, then by
    deadline and number."""
    late = When_(When(Q(deadline__lt=today) & ~Q(state__in=final_states()), then=Value(1)), default=Value(0),
                 output_field=IntegerField())
    cases = scoped_cases(scope=scope).annotate(late=late)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.department:  # JSON list of codes; codes are slugs, so the quoted code matches exactly one item
        cases = cases.filter(departments__icontains=f'"{filters.department}"')
    if filters.zone:
        from parkgov.accounts.scopes import with_children
        from parkgov.ledger.models import Zone

        ids = list(Zone.objects.filter(code=filters.zone).values_list("id", flat=True))
        cases = cases.filter(zone_id__in=with_children(ids) if ids else [])
    if filters.overdue:
        cases = cases.filter(late=1)
    return cases.select_related("enterprise", "parcel", "zone").order_by("-late", "deadline", "number")


def board_summary(cases) -> dict:
    """Counts per state and per department (a case counts once for each department it names), and overdue."""
    states = {code: 0 for code in CaseState.values}
    departments, overdue = {}, 0
    for state, named, late in cases.values_list("state", "departments", "late"):
        states[state] = states.get(state, 0) + 1
        overdue += late
        for code in named:
            row = departments.setdefault(code, {"total": 0, "late": 0, **{s: 0 for s in CaseState.values}})
            row["total"] += 1
            row[state] += 1
            row["late"] += late
    return {"states": states, "departments": departments, "overdue": overdue, "total": sum(states.values())}
