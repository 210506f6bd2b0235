"""Pages of 绿色与底线 (issue 16 §2): the zones of a year compared (底线 outcome, green indicators, leading
industries), one zone's page, and the workbook download.

Every page and download starts from the user's zones (Scope.zone_ids): a zone outside them is 404, and the
comparison and the workbook list only the zones the user may see (the same zones_outcomes call serves both).
"""

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parkgov.audit.context import acting_as
from parkgov.errors import ParkgovError
from parkgov.zones import green_pages
from parkgov.zones.bottom_line_record import confirm_year
from parkgov.zones.green_export import write_bottom_line
from parkgov.zones.views import DOMAIN, scoped_page


class ConfirmForm(forms.Form):
    """确认 of a year's 底线 assessment; the reason is required when the year was confirmed before."""

    reason = forms.CharField(label=_("确认说明（重新确认时必填）"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _year(request) -> int:
    year = green_pages.pick_year(request.GET.get("year", ""))
    if year is None:
        raise Http404(gettext("尚未公布任何年度的底线指标"))
    return year


@scoped_page()
def green_index(request, scope):
    """The zones of a year: 底线 outcome, green indicators, leading industries."""
    context = green_pages.compare_context(year=_year(request), zone_ids=scope.zone_ids)
    context["confirm_form"] = ConfirmForm() if scope.can_write(DOMAIN) and scope.zone_ids is None else None
    return render(request, "zones/green_index.html", context)


@require_POST
@scoped_page(write=True)
def green_confirm(request, scope, year):
    """Freeze `year`'s 底线 outcome of every zone (a user of every zone, zone_eval write; audited)."""
    form = ConfirmForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            with acting_as(request.user, reason=reason or f"确认 {year} 年底线考核"), transaction.atomic():
                confirmation = confirm_year(year=year, actor=request.user, scope=scope, reason=reason)
        except (ParkgovError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("已确认 %(year)s 年底线考核（%(zones)s 个园区）")
                             % {"year": year, "zones": confirmation.zones})
    return redirect(f"{reverse('zones:green')}?year={year}")


@scoped_page()
def green_zone(request, scope, code, year):
    """One zone's 底线 outcome with reasons and history, green indicators and industry mix in `year`."""
    return render(request, "zones/green_zone.html", green_pages.zone_context(code=code, year=year,
                                                                            zone_ids=scope.zone_ids))


@scoped_page()
def green_export(request, scope):
    """The 底线 workbook of the user's zones (the same as `parkgov zone bottom-line`)."""
    year = _year(request)
    with tempfile.TemporaryDirectory(prefix="bottom-line-") as folder, translation.override("zh-hans"):
        path = Path(folder) / f"底线考核-{year}.xlsx"
        write_bottom_line(path=path, year=year, zone_ids=scope.zone_ids)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)
