"""Pages of 目标与重点项目 (issue 16 §3): zone targets and their trend, the key-project list and each project with
its monthly dispatch, quarterly reviews and score; the month's dispatch template and its upload. (The dispatch PDF
is served by parkgov/reports/dispatch_views.py: zones may not import reports.)

Every page, download and form starts from the user's zones (Scope.zone_ids through the services' scoped_* reads):
a zone or project outside them is 404; writing needs the zone_eval write domain.
"""

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parkgov.audit.context import acting_as
from parkgov.errors import ImportRejected, ParkgovError
from parkgov.zones import projects as project_services
from parkgov.zones import target_pages as pages
from parkgov.zones import targets as target_services
from parkgov.zones.dispatch_sheet import import_dispatch, write_dispatch_template
from parkgov.zones.targets import scoped_zone
from parkgov.zones.views import DOMAIN, scoped_page

MAX_SHOWN_ISSUES = 20


class DispatchForm(forms.Form):
    """月度调度 of one project by the web."""

    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    invested = forms.FloatField(label=_("本月完成投资（万元）"), min_value=0)
    progress_pct = forms.FloatField(label=_("形象进度（%）"), min_value=0, max_value=100, required=False)
    progress = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    help_requested = forms.CharField(label=_("需协调事项"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReviewForm(forms.Form):
    quarter = forms.IntegerField(label=_("季度"), min_value=1, max_value=4)
    note = forms.CharField(label=_("点评意见"), widget=forms.Textarea(attrs={"rows": 3}))


def _number(label: str) -> forms.FloatField:
    return forms.FloatField(label=label, required=False, min_value=0,
                            widget=forms.NumberInput(attrs={"aria-label": label, "step": "any"}))


class TargetsForm(forms.Form):
    """A zone's year by the web: each kind's annual target and twelve monthly actuals (kinds and units from
    data/targets.yaml), blank = no value (clears a stored one)."""

    source = forms.CharField(label=_("目标来源（文件或会议）"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in pages.kinds():
            self.fields[f"target_{kind['code']}"] = _number(gettext("%(name)s 年度目标（%(unit)s）") % kind)
            for month in range(1, 13):
                self.fields[f"m{month}_{kind['code']}"] = _number(
                    gettext("%(name)s %(month)s月完成（%(unit)s）") % {**kind, "month": month})

    def values(self) -> tuple[dict, dict]:
        """(kind → target, (kind, month) → actual) of the cleaned data."""
        data = self.cleaned_data
        kinds = [k["code"] for k in pages.kinds()]
        return ({k: data[f"target_{k}"] for k in kinds},
                {(k, m): data[f"m{m}_{k}"] for k in kinds for m in range(1, 13)})


class UploadForm(forms.Form):
    file = forms.FileField(label=_("调度工作簿（xlsx）"))


def _errors(form) -> str:
    return "；".join(f"{form.fields[f].label}：{e}" if f in form.fields else e
                    for f, errors in form.errors.items() for e in errors)


@scoped_page()
def targets_index(request, scope):
    """Each zone's targets of a year with actuals and completion %."""
    year = pages.pick_year(request.GET.get("year", ""))
    return render(request, "zones/targets.html", pages.targets_context(year=year, zone_ids=scope.zone_ids))


@scoped_page()
def zone_targets(request, scope, code, year):
    """One zone's targets with the monthly trend."""
    context = pages.zone_targets_context(code=code, year=year, zone_ids=scope.zone_ids)
    context["can_edit"] = scope.can_write(DOMAIN)
    return render(request, "zones/targets_zone.html", context)


@scoped_page(write=True)
def zone_targets_edit(request, scope, code, year):
    """Enter or edit one zone's targets and monthly actuals of a year (zone_eval write, the user's zones only)."""
    zone = scoped_zone(code=code, zone_ids=scope.zone_ids)
    form = TargetsForm(request.POST or None, initial=pages.targets_initial(zone=zone, year=year))
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _errors(form))
        else:
            targets, actuals = form.values()
            try:
                with acting_as(request.user, reason="网页填报园区目标"), transaction.atomic():
                    counts = target_services.enter_zone_year(
                        zone=zone, year=year, targets=targets, actuals=actuals, actor=request.user,
                        department=scope.department, source=form.cleaned_data["source"])
            except ParkgovError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, gettext("已保存：%(targets)s 项目标，%(actuals)s 项月度完成，清除 %(cleared)s 项")
                                 % counts)
                return redirect("zones:zone_targets", code=code, year=year)
    return render(request, "zones/targets_edit.html", {"zone": zone, "year": year, "form": form,
                                                       "grid": pages.targets_grid(form), "months": range(1, 13)})


@scoped_page()
def projects_index(request, scope):
    """The key projects of a year (by zone and category), the month's template and the upload."""
    year = pages.pick_year(request.GET.get("year", ""))
    context = pages.projects_context(year=year, zone_ids=scope.zone_ids, zone_code=request.GET.get("zone", ""),
                                     category=request.GET.get("category", ""),
                                     month=pages.pick_month(request.GET.get("month", ""), year=year))
    context["upload"] = UploadForm() if scope.can_write(DOMAIN) else None
    return render(request, "zones/projects.html", context)


@scoped_page()
def project_page(request, scope, code):
    """One key project: plan, monthly dispatch (late and missing flagged), reviews and score."""
    context = pages.project_context(code=code, zone_ids=scope.zone_ids)
    if scope.can_write(DOMAIN):
        month = pages.pick_month("", year=context["project"].year)
        context["dispatch_form"] = DispatchForm(initial={"month": month})
        context["review_form"] = ReviewForm(initial={"quarter": (month + 2) // 3})
    return render(request, "zones/project.html", context)


@require_POST
@scoped_page(write=True)
def project_dispatch(request, scope, code):
    project = project_services.scoped_project(code=code, zone_ids=scope.zone_ids)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("zones:project", code=code)
    try:
        with acting_as(request.user, reason="网页月度调度"), transaction.atomic():
            project_services.submit_report(project=project, year=project.year, actor_id=request.user.pk,
                                           **form.cleaned_data)
    except ParkgovError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已报送 %(month)s 月调度") % {"month": form.cleaned_data["month"]})
    return redirect("zones:project", code=code)


@require_POST
@scoped_page(write=True)
def project_review(request, scope, code):
    project = project_services.scoped_project(code=code, zone_ids=scope.zone_ids)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("zones:project", code=code)
    try:
        with acting_as(request.user, reason="网页季度点评"), transaction.atomic():
            project_services.add_review(project=project, actor_id=request.user.pk, **form.cleaned_data)
    except ParkgovError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已保存第 %(quarter)s 季度点评") % {"quarter": form.cleaned_data["quarter"]})
    return redirect("zones:project", code=code)


@scoped_page()
def dispatch_template_download(request, scope, code, year, month):
    """The month's 项目调度 sheet pre-filled with the zone's key projects."""
    zone = scoped_zone(code=code, zone_ids=scope.zone_ids)
    with tempfile.TemporaryDirectory(prefix="dispatch-") as folder, translation.override("zh-hans"):
        path = Path(folder) / f"月度调度-{code}-{year}-{month:02d}.xlsx"
        write_dispatch_template(path=path, zone=zone, year=year, month=month, zone_ids=scope.zone_ids)
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name)


@require_POST
@scoped_page(write=True)
def dispatch_upload(request, scope):
    """Import an uploaded dispatch workbook (项目调度 rows of the user's projects only; all or nothing)."""
    form = UploadForm(request.POST, request.FILES)
    back = request.POST.get("back") or reverse("zones:projects")
    if not back.startswith("/zones/"):
        back = reverse("zones:projects")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(back)
    upload = form.cleaned_data["file"]
    with tempfile.TemporaryDirectory(prefix="dispatch-") as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.read())
        try:
            with acting_as(request.user, reason=f"上传月度调度 {upload.name}"):
                report = import_dispatch(path=path, actor=request.user, zone_ids=scope.zone_ids,
                                         department=scope.department)
        except ImportRejected as exc:
            issues = exc.report.issues.errors if exc.report else []
            messages.error(request, str(exc))
            for issue in issues[:MAX_SHOWN_ISSUES]:
                messages.error(request, issue.describe(upload.name))
            return redirect(back)
        except ParkgovError as exc:
            messages.error(request, str(exc))
            return redirect(back)
    rows = report.rows.get("项目调度", 0)
    messages.success(request, gettext("已导入 %(name)s：%(rows)s 条月度调度") % {"name": upload.name, "rows": rows})
    return redirect(back)
