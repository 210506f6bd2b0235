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
from parkgov.zones.choices import Certified
from parkgov.zones.green_entry import enter_green, stored_values
from parkgov.zones.green_sheet import FIELDS as GREEN_FIELDS
from parkgov.zones.models import ZoneGreenEntry
from parkgov.zones.targets import scoped_zone
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


class GreenEntryForm(forms.Form):
    """园区绿色指标 of one zone and year (the sheet's fields); blank = not stated (clears a stored value)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in GREEN_FIELDS[:-1]:
            label = ZoneGreenEntry._meta.get_field(name).verbose_name
            self.fields[name] = forms.FloatField(label=label, required=False, min_value=0,
                                                 widget=forms.NumberInput(attrs={"step": "any"}))
        self.fields["iso14001"] = forms.ChoiceField(
            label=ZoneGreenEntry._meta.get_field("iso14001").verbose_name, required=False,
            choices=[("", _("未填报")), *Certified.choices])

    def values(self) -> dict:
        return {name: self.cleaned_data[name] or None if name == "iso14001" else self.cleaned_data[name]
                for name in GREEN_FIELDS}


def _form_errors(form) -> str:
    return "；".join(f"{form.fields[f].label}：{e}" if f in form.fields else e
                    for f, errors in form.errors.items() for e in errors)


@scoped_page(write=True)
def green_entry(request, scope, code, year):
    """Enter or edit a zone's 园区绿色指标 of a year (zone_eval write, the user's zones only; audited)."""
    zone = scoped_zone(code=code, zone_ids=scope.zone_ids)
    form = GreenEntryForm(request.POST or None, initial=stored_values(zone=zone, year=year))
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _form_errors(form))
        else:
            try:
                with acting_as(request.user, reason="网页填报园区绿色指标"), transaction.atomic():
                    _entry, changed = enter_green(zone=zone, year=year, values=form.values(), actor=request.user,
                                                  department=scope.department)
            except ParkgovError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, gettext("已保存 %(year)s 年园区绿色指标：%(n)s 项有变化")
                                 % {"year": year, "n": changed})
                return redirect("zones:green_entry", code=code, year=year)
    return render(request, "zones/green_entry.html", {"zone": zone, "year": year, "form": form,
                                                      "years": green_pages.bottom_line_years(),
                                                      "baseline_year": green_pages.baseline_year(year)})


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
    context = green_pages.zone_context(code=code, year=year, zone_ids=scope.zone_ids)
    context["can_enter"] = scope.can_write(DOMAIN)
    return render(request, "zones/green_zone.html", context)


@scoped_page()
def green_export(request, scope):
    """The 底线 workbook of the user's zones (the same as `parkgov zone bottom-line`)."""
    year = _year(request)
    with tempfile.TemporaryDirectory(prefix="bottom-line-") as folder, translation.override("zh-hans"):
        path = Path(folder) / f"底线考核-{year}.xlsx"
        write_bottom_line(path=path, year=year, zone_ids=scope.zone_ids)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)
