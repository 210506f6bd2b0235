"""一企一档 and 一地一档 pages: the firm or parcel cut to the user's parks, the dossier built by
parkgov.reports.dossiers (shared with the dossier PDFs).

A dossier outside the user's parks is a 404 (not a 403), so its existence is not disclosed.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from parkgov.ledger.models import Enterprise, Parcel
from parkgov.reports.dossiers import enterprise_dossier, indicator_rows, parcel_dossier  # noqa: F401
from parkgov.accounts.pages import scoped


@scoped("enterprise")
def enterprise(request, scope, credit_code):
    if "\x00" in credit_code:
        raise Http404(gettext("统一社会信用代码无效"))
    firm = get_object_or_404(_exact_first(scope.filter_zones(Enterprise.objects.select_related("zone__parent"),
                                                             "zone_id"), "credit_code", credit_code,
                                          credit_code.strip().upper()))
    return render(request, "web/enterprise.html", enterprise_dossier(enterprise=firm, scope=scope))


@scoped("parcel")
def parcel(request, scope, code):
    if "\x00" in code:
        raise Http404(gettext("地块编码无效"))
    plot = get_object_or_404(_exact_first(scope.filter_zones(Parcel.objects.select_related("zone"), "zone_id"),
                                          "code", code, code.strip()))
    return render(request, "web/parcel.html", parcel_dossier(parcel=plot, scope=scope))


def _exact_first(queryset, field, given, normalised):
    # Links carry the stored value exactly; a typed address may differ in case or spaces.
    exact = queryset.filter(**{field: given})
    return exact if given == normalised or exact.exists() else queryset.filter(**{field: normalised})
