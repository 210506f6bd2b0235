"""Staff pages of 企业申诉 (/appeals/, issue 16 §5): the queue (filter by state, late ones flagged), one appeal with
the steps the user may take, the evidence download, the 自报 figures to confirm, enterprise accounts and the
公示 period of a run. Views parse, call one service of parkgov.appeals and render."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_POST

from parkgov.appeals import accounts, config, selfreport, services
from parkgov.appeals.models import AppealEvidence
from parkgov.audit.context import acting_as
from parkgov.errors import NotFound, ParkgovError
from parkgov.evaluation.models import EvaluationRun
from parkgov.governance.evidence import download_name, open_attachment
from parkgov.accounts.pages import scoped


class AccountForm(forms.Form):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    username = forms.CharField(label=_("登录名（默认为信用代码）"), max_length=150, required=False)


class PublicityForm(forms.Form):
    run = forms.IntegerField(label=_("评价批次编号"), min_value=1)
    starts_on = forms.DateField(label=_("公示开始日期"))
    working_days = forms.IntegerField(label=_("公示工作日数"), min_value=1, max_value=30, required=False)


def _may_manage(scope) -> bool:
    return scope.can_write("appeal") and scope.role in config.workflow().transitions["accept"].roles


@scoped("appeal")
def queue(request, scope):
    if scope.is_enterprise:
        return redirect("me:overview")
    state, late = request.GET.get("state", ""), request.GET.get("late") == "1"
    try:
        rows = services.queue(scope=scope, state=state, late_only=late)
    except ParkgovError as exc:
        messages.error(request, str(exc))
        rows = services.queue(scope=scope)
    runs = EvaluationRun.objects.select_related("publicity").order_by("-created_at")[:5]
    return render(request, "web/appeals/queue.html", {
        "rows": rows, "state": state, "late": late, "states": services.state_labels(), "runs": runs,
        "publicity_form": PublicityForm() if _may_manage(scope) else None,
        "reports": selfreport.scoped_reports(scope=scope).filter(status="reported").order_by("year", "pk")[:200]})


@scoped("appeal")
def detail(request, scope, appeal_id):
    try:
        record = services.get_appeal(scope=scope, appeal_id=appeal_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        scope.require("appeal", write=True)
        try:
            with acting_as(request.user, reason="申诉办理"), transaction.atomic():
                services.transition(appeal=record, action=request.POST.get("action", ""), scope=scope,
                                    actor=request.user, reason=request.POST.get("reason", ""),
                                    value=request.POST.get("value", ""), reply=request.POST.get("reply", ""))
        except (ParkgovError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("已办理"))
        return redirect("appeals:detail", appeal_id=record.pk)
    return render(request, "web/appeals/detail.html", {
        "appeal": record, "actions": services.allowed_actions(appeal=record, scope=scope) if scope.can_write(
            "appeal") and not scope.is_enterprise else [], "mine": scope.is_enterprise,
        "state_labels": dict(services.state_labels()), "field_label": services.field_label(record.field)})


@scoped("appeal")
def evidence(request, scope, evidence_id):
    """An appeal's evidence file, to the enterprise that filed it and to staff who may read the appeal."""
    item = get_object_or_404(AppealEvidence, pk=evidence_id)
    if not services.scoped_appeals(scope=scope).filter(pk=item.appeal_id).exists():
        raise Http404(gettext("证据材料不存在或不在您的数据范围内"))
    try:
        handle = open_attachment(attachment=item)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return FileResponse(handle, as_attachment=True, filename=download_name(item), content_type=item.content_type)


@require_POST
@scoped("appeal", write=True)
def decide_report(request, scope, report_id):
    try:
        with acting_as(request.user, reason="确认企业自报"), transaction.atomic():
            selfreport.decide_report(scope=scope, actor=request.user, report_id=report_id,
                                     confirm=request.POST.get("confirm") == "1")
    except (ParkgovError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已处理"))
    return redirect("appeals:queue")


@scoped("appeal")
def account_list(request, scope):
    if not _may_manage(scope):
        raise PermissionDenied(gettext("角色“%(role)s”不能管理企业账号") % {"role": gettext(scope.role_name)})
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user, password = accounts.create_enterprise_account(**form.cleaned_data)
        except ParkgovError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("已开设企业账号：用户名 %(name)s，初始密码 %(password)s（只显示一次）")
                             % {"name": user.username, "password": password})
            return redirect("appeals:accounts")
    return render(request, "web/appeals/accounts.html",
                  {"form": form, "profiles": accounts.enterprise_accounts(scope=scope)})


@require_POST
@scoped("appeal", write=True)
def publicity(request, scope):
    if not _may_manage(scope):
        raise PermissionDenied(gettext("角色“%(role)s”不能设置公示期") % {"role": gettext(scope.role_name)})
    form = PublicityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("appeals:queue")
    run = get_object_or_404(EvaluationRun, pk=form.cleaned_data["run"])
    with transaction.atomic():
        period = services.set_publicity(run=run, starts_on=form.cleaned_data["starts_on"] or dt.date.today(),
                                        working_days=form.cleaned_data["working_days"], actor=request.user)
    messages.success(request, gettext("公示期：%(start)s 至 %(end)s（%(days)s 个工作日）")
                     % {"start": period.starts_on, "end": period.ends_on, "days": period.working_days})
    return redirect("appeals:queue")
