"""The governance sections of the firm and parcel dossiers: 治理清单 (the lists it is on, per year, with the
reasons), 四个一批 (suggestion, decision, reasons, who) and 案件 (number, state, deadline, overdue, link).

Lists and 四个一批 need `list` read, cases `case` read (roles.yaml); a role without it gets None and the page shows
no section. Rows are cut to the user's parks by their own zone, like the dossier itself. What a parcel is on
follows the map (`parkgov.spatial.governance_data`): the parcel's own entries and cases and those of the firms
with a current land link to it that belong to the parcel's park; a firm's are its own and those of the parcels it is linked to (cases and 四个一批
only: a parcel's list entry is about the land, not the firm).
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.governance.choices import CaseState
from parkgov.governance.models import Case, DispositionDecision, ListEntry
from parkgov.governance.queries import case_url, latest_list_runs, overdue_q
from parkgov.ledger.models import LandLink
from parkgov.reports.labels import department_text


def governance_sections(*, scope, enterprise=None, parcel=None) -> dict:
    """{"lists", "dispositions", "cases"}: rows for the dossier of `enterprise` or `parcel`, None where the role
    may not read them."""
    today = timezone.localdate()
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    if enterprise is not None:
        parcel_ids = list(LandLink.objects.filter(current, enterprise=enterprise).values_list("parcel_id", flat=True))
        listed, about = Q(enterprise=enterprise), Q(enterprise=enterprise) | Q(parcel_id__in=parcel_ids)
    else:
        firm_ids = list(LandLink.objects.filter(current, parcel=parcel).values_list("enterprise_id", flat=True))
        parcel_ids = [parcel.pk]
        listed = about = Q(parcel=parcel) | Q(enterprise_id__in=firm_ids, zone_id=parcel.zone_id)
    reads_lists = scope.can_read("list")
    return {"lists": _lists(scope, listed) if reads_lists else None,
            "dispositions": _dispositions(scope, parcel_ids) if reads_lists else None,
            "cases": _cases(scope, about, today) if scope.can_read("case") else None}


def _lists(scope, listed) -> list:
    runs = {run.pk: run for run in latest_list_runs()}
    entries = scope.filter_zones(ListEntry.objects.filter(listed, run_id__in=runs)) \
        .select_related("enterprise", "parcel")
    rows = [{"year": runs[e.run_id].year, "name": runs[e.run_id].rule_name, "category": e.category,
             "department": department_text(runs[e.run_id].owner_department), "reasons": list(e.reasons or []),
             "enterprise": e.enterprise, "parcel": e.parcel} for e in entries]
    return sorted(rows, key=lambda row: (-row["year"], row["name"]))


def _dispositions(scope, parcel_ids) -> list:
    return list(scope.filter_zones(DispositionDecision.objects.filter(parcel_id__in=parcel_ids))
                .select_related("parcel", "decided_by").order_by("-year", "parcel__code"))


def _cases(scope, about, today) -> list:
    cases = scope.filter_zones(Case.objects.filter(about))
    overdue = set(cases.filter(overdue_q(today)).values_list("id", flat=True))
    rows = list(cases.select_related("enterprise", "parcel"))
    for case in rows:
        case.overdue = case.pk in overdue
        case.url = case_url(case.number)
        case.department_names = gettext("、").join(department_text(code) for code in case.departments or [])
    return sorted(rows, key=lambda case: (case.state == CaseState.CLOSED, case.deadline, case.pk))  # open first
