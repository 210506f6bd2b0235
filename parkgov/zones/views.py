"""Pages of 园区评价: the ranking of zones for a year and profile, one zone's evaluation (indicators with formulas
and inputs, potentials, land account with provenance, its years), the comparison of zones, and the downloads.

Every page and download starts from the user's zones (Scope.zone_ids through services.scoped_results /
zone_result): a zone outside them is 404, and a ranking lists only the zones the user may see.
"""

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parkgov.audit.context import acting_as
from parkgov.errors import ParkgovError
from parkgov.accounts import pages as pages_access
from parkgov.zones import pages, services
from parkgov.zones.profile import get_profile, profile_ids

DOMAIN = "zone_eval"


def scoped_page(*, write=False):
    """The zone_eval domain's `accounts.pages.scoped_page`."""
    return pages_access.scoped_page(DOMAIN, write=write)


class RunForm(forms.Form):
    """评价: a year and a profile."""

    year = forms.IntegerField(label=_("评价年度"), min_value=2000, max_value=2100)
    profile = forms.ChoiceField(label=_("指标体系"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(p, gettext(get_profile(p).name)) for p in profile_ids()]


def _pick(request) -> tuple:
    return pages.pick(year=request.GET.get("year", ""), profile_id=request.GET.get("profile", ""))


@scoped_page()
def index(request, scope):
    """The zones of a year ranked, with stars and totals, and the form to run an evaluation."""
    year, profile_id = _pick(request)
    context = pages.ranking_context(year=year, profile_id=profile_id, zone_ids=scope.zone_ids)
    context["form"] = RunForm(initial={"year": year, "profile": profile_id}) if scope.can_write(DOMAIN) else None
    return render(request, "zones/index.html", context)


@require_POST
@scoped_page(write=True)
def evaluate(request, scope):
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("zones:index")
    year, profile_id = form.cleaned_data["year"], form.cleaned_data["profile"]
    try:
        with acting_as(request.user, reason="网页园区评价"):
            run = services.run_zone_evaluation(year=year, profile_id=profile_id, actor=request.user)
    except ParkgovError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已评价 %(year)s 年 %(zones)s 个园区（批次 %(run)s）")
                         % {"year": year, "zones": run.zones, "run": run.pk})
    return redirect(f"{reverse('zones:index')}?year={year}&profile={profile_id}")


@scoped_page()
def zone_page(request, scope, code, year):
    """One zone's evaluation in `year`."""
    profile_id = pages.pick(year=str(year), profile_id=request.GET.get("profile", ""))[1]
    return render(request, "zones/zone.html", pages.zone_context(zone_code=code, year=year, profile_id=profile_id,
                                                                 zone_ids=scope.zone_ids))


@scoped_page()
def compare(request, scope):
    """Zones side by side for a year: each indicator's value and score."""
    year, profile_id = _pick(request)
    codes = request.GET.getlist("zone")
    return render(request, "zones/compare.html", pages.compare_context(year=year, profile_id=profile_id,
                                                                       codes=codes, zone_ids=scope.zone_ids))


@scoped_page()
def zone_export(request, scope, code, year):
    """The zone's evaluation workbook (the same as `parkgov zone evaluate`)."""
    profile_id = pages.pick(year=str(year), profile_id=request.GET.get("profile", ""))[1]
    with tempfile.TemporaryDirectory(prefix="zone-") as folder, translation.override("zh-hans"):  # Chinese workbook
        path = Path(folder) / f"园区评价-{code}-{year}.xlsx"
        services.write_zone_evaluation(path=path, zone_code=code, year=year, profile_id=profile_id,
                                       zone_ids=scope.zone_ids)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)


@scoped_page()
def ranking_export(request, scope):
    """The ranking of the user's zones for a year and profile."""
    from parkgov.zones.export import write_ranking_workbook

    year, profile_id = _pick(request)
    if year is None:
        raise Http404(gettext("尚无园区评价"))
    run = services.latest_run(year=year, profile_id=profile_id)
    with tempfile.TemporaryDirectory(prefix="zones-") as folder, translation.override("zh-hans"):
        path = Path(folder) / f"园区排名-{year}.xlsx"
        write_ranking_workbook(path=path, run=run, results=services.scoped_results(run=run, zone_ids=scope.zone_ids))
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)
