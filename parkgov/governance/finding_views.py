"""Finding pages: record, edit, close and attach evidence (the list is the ledger's /findings/ page).

Each view parses a form, calls one service of governance/findings.py in one transaction and renders; the
services apply the user's scope (categories, own department, parks), so a finding out of scope is a 404 and
a refused change shows its Chinese reason on the page with nothing written.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from parkgov.accounts.pages import run_step, scoped_page
from parkgov.errors import InputError
from parkgov.governance import findings as services
from parkgov.governance.evidence import max_bytes
from parkgov.governance.finding_forms import EvidenceForm, FindingForm, StatusForm


@scoped_page("finding", write=True)
def finding_new(request, scope):
    if not services.writable_categories(scope):
        raise PermissionDenied(gettext("角色“%(role)s”无权记录检查发现") % {"role": gettext(scope.role_name)})
    form = FindingForm(request.POST or None, request.FILES or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        finding = _saved(form, lambda: services.create_finding(actor=request.user, scope=scope,
                                                               **form.service_arguments()))
        if finding is not None:
            messages.success(request, gettext("已记录检查发现"))
            return redirect("governance:finding", pk=finding.pk)
    return render(request, "governance/finding_form.html", _form_context(form, None))


@scoped_page("finding", write=True)
def finding_edit(request, scope, pk):
    finding = services.finding_for(scope=scope, pk=pk, write=True)
    form = FindingForm(request.POST or None, request.FILES or None, scope=scope, finding=finding)
    if request.method == "POST" and form.is_valid():
        saved = _saved(form, lambda: services.update_finding(finding=finding, actor=request.user, scope=scope,
                                                             **form.service_arguments()))
        if saved is not None:
            messages.success(request, gettext("已保存修改"))
            return redirect("governance:finding", pk=finding.pk)
    return render(request, "governance/finding_form.html", _form_context(form, finding))


@scoped_page("finding")
def finding_detail(request, scope, pk):
    finding = services.finding_for(scope=scope, pk=pk)
    return render(request, "governance/finding_detail.html", {
        "finding": finding, "department": services.department_name(finding.department),
        "overdue": services.is_overdue(finding, today=timezone.localdate()), "attachments": list(finding.attachments.select_related("uploaded_by")),
        "writable": services.may_write_finding(finding=finding, scope=scope),
        "actions": services.available_actions(finding=finding, scope=scope),
        "history": list(finding.history.select_related("history_user").order_by("-history_date", "-pk")[:50]),
        "evidence_form": EvidenceForm(), "status_form": StatusForm(), "max_mb": max_bytes() // 1048576})


@require_POST
@scoped_page("finding", write=True)
def finding_status(request, scope, pk):
    finding = services.finding_for(scope=scope, pk=pk, write=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        run_step(request, lambda: services.change_status(finding=finding, actor=request.user, scope=scope,
                                                     **form.cleaned_data), gettext("状态已更新"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("governance:finding", pk=finding.pk)


@require_POST
@scoped_page("finding", write=True)
def finding_evidence(request, scope, pk):
    finding = services.finding_for(scope=scope, pk=pk, write=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        run_step(request, lambda: services.add_evidence(finding=finding, actor=request.user, scope=scope,
                                                    uploads=form.cleaned_data["files"]), gettext("证据材料已上传"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("governance:finding", pk=finding.pk)


def _saved(form, write):
    """Run `write` in one transaction; a refusal becomes the form's error (nothing written)."""
    try:
        with transaction.atomic():
            return write()
    except (InputError, PermissionDenied) as exc:
        form.add_error(None, str(exc))
        return None


def _form_context(form, finding):
    return {"form": form, "finding": finding, "max_mb": max_bytes() // 1048576}
