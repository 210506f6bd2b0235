"""Pages: parse the request, call one service, render. Scope checks live in `accounts.pages.scoped`."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.summary import evaluation_summary, scoped_results
from parkgov.jobs.models import Job
from parkgov.jobs.services import start_job, store_upload
from parkgov.web import services
from parkgov.accounts.pages import scoped
from parkgov.web.forms import AdjustForm, EvaluationForm, UploadForm
from parkgov.zones.targets import cockpit_card as zone_cockpit_card

CHART_LABELS = {"tax_per_mu": gettext_lazy("亩均税收"), "va_per_mu": gettext_lazy("亩均增加值"),
                "yuan_per_mu": gettext_lazy("万元/亩"), "firms": gettext_lazy("家"), "mu": gettext_lazy("亩"),
                "open": gettext_lazy("在办"), "overdue": gettext_lazy("其中逾期"), "closed": gettext_lazy("销号"),
                "cases": gettext_lazy("件"), "freed": gettext_lazy("已盘活"), "target": gettext_lazy("年度目标")}
EVALUATION_LABELS = {"firms": gettext_lazy("家"), "not_rated": gettext_lazy("不参评")}


@scoped()
def cockpit(request, scope):
    if scope.is_enterprise:  # issue 16 §5: an enterprise account has its own page, not the zone's cockpit
        return redirect("me:overview")
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
    data = services.cockpit(scope=scope, year=year)
    targets = zone_cockpit_card(year=data["year"], zone_ids=scope.zone_ids) \
        if data.get("year") and scope.can_read("zone_eval") else None  # issue 16 §3: 重点项目与目标
    return render(request, "web/cockpit.html", {"data": data, "chart_labels": CHART_LABELS, "targets_card": targets})


@scoped("import")
def import_page(request, scope):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload)
        job = start_job(kind="import", title=gettext("导入 %(name)s") % {"name": upload.name}, user=request.user,
                        params={"path": str(path), "name": upload.name, "department": scope.department})
        return redirect("web:job", job_id=job.pk)
    jobs = Job.objects.filter(created_by=request.user, kind="import")[:10]
    return render(request, "web/import.html", {"form": form, "jobs": jobs})


@scoped()
def job(request, scope, job_id):
    record = get_object_or_404(Job, pk=job_id, created_by=request.user)
    if record.status in ("running", "cancelling") and record.worker_id:  # issue 18: its worker may have died
        from parkgov.jobs.heartbeat import interrupt_orphans

        if interrupt_orphans():
            record.refresh_from_db()
    template = "web/job_status.html" if request.htmx else "web/job.html"
    return render(request, template, {"job": record, "events": record.events.select_related("actor")})


@require_POST
@scoped()
def job_retry(request, scope, job_id):
    """Start an interrupted or failed job again (issue 18 §2): its creator only, with the same upload/parameters."""
    from parkgov.errors import ParkgovError
    from parkgov.jobs.services import retry_job

    record = get_object_or_404(Job, pk=job_id, created_by=request.user)
    try:
        again = retry_job(job=record, user=request.user)
    except ParkgovError as exc:
        messages.error(request, str(exc))
        return redirect("web:job", job_id=record.pk)
    return redirect("web:job", job_id=again.pk)


@require_POST
@scoped()
def job_cancel(request, scope, job_id):
    """Cancel a queued or running job (issue 18 §2): its creator only; a running one stops at its next step."""
    from parkgov.errors import ParkgovError
    from parkgov.jobs.services import cancel_job

    record = get_object_or_404(Job, pk=job_id, created_by=request.user)
    try:
        cancel_job(job=record, user=request.user)
    except ParkgovError as exc:
        messages.error(request, str(exc))
    return redirect("web:job", job_id=record.pk)


@scoped()
def job_download(request, scope, job_id):
    record = get_object_or_404(Job, pk=job_id, created_by=request.user)
    if not record.output_file or not Path(record.output_file).exists():
        raise Http404(gettext("没有可下载的文件"))
    return FileResponse(open(record.output_file, "rb"), as_attachment=True, filename=Path(record.output_file).name)


@scoped("evaluation")
def evaluation(request, scope):
    form = EvaluationForm(request.POST or None, initial={"year": services.latest_year(), "ruleset":
                                                         services.cockpit_config()["evaluation_ruleset"]})
    if request.method == "POST":
        scope.require("evaluation", write=True)
        if form.is_valid():
            title = gettext("%(year)s 年评价") % {"year": form.cleaned_data["year"]}
            job = start_job(kind="evaluation", title=title, user=request.user, params=form.cleaned_data)
            return redirect("web:job", job_id=job.pk)
    run = EvaluationRun.objects.filter(pk=request.GET.get("run")).first() if request.GET.get("run", "").isdigit() \
        else EvaluationRun.objects.order_by("-created_at").first()
    summary, results = None, EvaluationResult.objects.none()
    if run is not None:
        summary = evaluation_summary(run=run, scope=scope, top=services.cockpit_config()["evaluation_top_firms"])
        results = scoped_results(run=run, zone_ids=scope.zone_ids, klass=request.GET.get("class", ""),
                                 tier=request.GET.get("tier", ""), review=request.GET.get("review") == "1") \
            .select_related("enterprise").order_by("population", "rank", "enterprise__credit_code")
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    return render(request, "web/evaluation.html", {"form": form, "run": run, "page": page, "summary": summary,
                                                   "runs": EvaluationRun.objects.order_by("-created_at")[:20],
                                                   "chart_labels": EVALUATION_LABELS})


@require_POST
@scoped("evaluation", write=True)
def adjust(request, scope, result_id):
    from parkgov.errors import ParkgovError
    from parkgov.evaluation.services import adjust_class

    result = get_object_or_404(scope.filter_zones(EvaluationResult.objects, "enterprise__zone_id"), pk=result_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            version = form.cleaned_data["version"]
            adjust_class(result=result, new_class=form.cleaned_data["new_class"], reason=form.cleaned_data["reason"],
                         actor=request.user, expected_version=int(version) if version.isdigit() else None)
            messages.success(request, gettext("%(name)s 已调整为 %(klass)s 类") % {
                "name": result.enterprise.name, "klass": result.class_final})
        except ParkgovError as exc:
            messages.error(request, str(exc))
    else:
        errors = " ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, gettext("调档失败：%(errors)s") % {"errors": errors})
    return redirect(f"{request.build_absolute_uri('/')[:-1]}/evaluation/?run={result.run_id}")


@scoped("evaluation")
def evaluation_download(request, scope, run_id):
    from parkgov.evaluation.export import export_evaluation
    from parkgov.spatial.gpkg import content_type, export_suffix

    scope.require_sees("evaluation_class")
    run = get_object_or_404(EvaluationRun, pk=run_id)
    # a folder of this request's own, removed once the open file is handed to the response (issue 13: one
    # shared file let two users receive each other's download)
    with tempfile.TemporaryDirectory(prefix="evaluation-") as folder:
        path = Path(folder) / f"{run.year}-{run.ruleset_id}-公示名单-{run.pk}{export_suffix(request.GET)}"
        with translation.override(settings.LANGUAGE_CODE):  # the public notice list is a Chinese document
            export_evaluation(path=path, run=run, zone_ids=scope.zone_ids)  # the run asked for, not the latest
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name, content_type=content_type(path))


@scoped("audit")
def audit(request, scope):
    from parkgov.web.audit import audit_rows

    rows, filters = audit_rows(request.GET)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"page": page, "filters": filters})


def error_403(request, exception=None):
    return render(request, "web/error.html", {"title": gettext("无权访问"),
                                              "message": str(exception or gettext("您没有查看此页面的权限"))}, status=403)


def error_404(request, exception=None):
    return render(request, "web/error.html", {"title": gettext("页面不存在"), "message": str(exception or "")}, status=404)


def error_500(request):
    return render(request, "web/error.html", {"title": gettext("系统出错"),
                                              "message": gettext("已记录，请稍后重试或联系管理员")}, status=500)
