"""Findings (检查发现) recorded in the web and the API: one scoped queryset and the services that write them.

Invariant: every path that shows, exports or serves a finding or its evidence — the web list and its export,
the API list, the dossiers, the admin and the attachment download — starts from `scoped_findings`, so a
department sees only its categories (roles.yaml `finding_categories`) and, where `own_findings_only`, its own
department's findings, and a park-scoped user only findings of a firm or parcel in its parks.
"""

from django.db.models import Q

from parkgov.ledger.models import Enterprise, Finding, Parcel


def scoped_findings(*, scope):
    """The findings `scope` may read (none without read access to the domain `finding`)."""
    rows = Finding.objects.all()
    if not scope.can_read("finding"):
        return rows.none()
    if scope.finding_categories is not None:
        rows = rows.filter(category__in=sorted(scope.finding_categories))
    if scope.own_findings_only:
        rows = rows.filter(department=scope.department)
    if scope.zone_ids is not None:
        firms = scope.filter_zones(Enterprise.objects.all(), "zone_id").values("id")
        parcels = scope.filter_zones(Parcel.objects.all(), "zone_id").values("id")
        rows = rows.filter(Q(enterprise_id__in=firms) | Q(parcel_id__in=parcels))
    return rows
