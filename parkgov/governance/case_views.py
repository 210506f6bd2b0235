"""Case pages: the board (/governance/cases/), one case with its timeline, evidence, sign-offs and steps, 立案,
the Excel export and the 案件进展 import.

Each view parses a form, calls one service (governance/cases.py, case_exchange.py) inside one transaction and
renders; the board, the export and the API list share `case_queries.board_cases`, so all three give the same
scoped rows. A refusal shows its Chinese reason on the page with nothing written.
"""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from parkgov.accounts.pages import form_errors, run_step, scoped_page
from parkgov.errors import InputError
from parkgov.governance import cases as services
from parkgov.governance.case_forms import (
    ActionForm, CaseImportForm, EvidenceForm, OpenCaseForm, SignoffForm, StepForm, department_choices,
)
from parkgov.governance.case_exchange import update_sheet_terms
from parkgov.governance.case_queries import BoardFilters, board_cases, board_summary
from parkgov.governance.evidence import max_bytes
from parkgov.governance.workflow import get_workflow

BOARD_PAGE = 50


@scoped_page("case")
def board(request, scope):
    try:
        filters = BoardFilters.parse(request.GET)
    except InputError as exc:
        messages.error(request, str(exc))
        filters = BoardFilters()
    today = timezone.localdate()
    cases = board_cases(scope=scope, filters=filters, today=today)
    page = Paginator(cases, BOARD_PAGE).get_page(request.GET.get("page"))
    summary = board_summary(board_cases(scope=scope, filters=BoardFilters(zone=filters.zone), today=today))
    departments = dict(department_choices())
    return render(request, "governance/case_board.html", {
        "page": page, "filters": filters, "summary": summary, "today": today,
        "states": [(state.code, gettext(state.label), state.colour, summary["states"].get(state.code, 0))
                   for state in get_workflow("case").states],
        "department_rows": [(code, departments.get(code, code), row)
                            for code, row in sorted(summary["departments"].items())],
        "departments": department_choices(), "query": request.GET.urlencode(), "zones": _zones(scope),
        "may_open": _may_open(scope), "import_form": CaseImportForm() if scope.can_write("case") else None,
        "update_sheet": update_sheet_terms()})


@scoped_page("case", write=True)
def open_page(request, scope):
    if not _may_open(scope):
        raise PermissionDenied(gettext("角色“%(role)s”不能立案") % {"role": gettext(scope.role_name)})
    initial = services.opening_defaults(scope=scope, entry_id=request.GET.get("entry", ""))
    form = OpenCaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = _saved(form, lambda: services.open_case_from_codes(
            actor=request.user, scope=scope, title=data["title"], credit_code=data["credit_code"],
            parcel_code=data["parcel_code"], departments=data["departments"],
            lead_department=data["lead_department"], deadline=data["deadline"], disposition=data["disposition"],
            measures=data["measures"], workflow=data["workflow"], targets=form.targets(),
            list_entry_id=data["list_entry"]))
        if case is not None:
            messages.success(request, gettext("已立案：%(number)s") % {"number": case.number})
            return redirect("governance:case", number=case.number)
    return render(request, "governance/case_open.html", {"form": form, "entry": initial.get("entry")})


@scoped_page("case")
def case_page(request, scope, number):
    case = services.scoped_case(scope=scope, number=number)
    flow = get_workflow(case.workflow)
    actions = services.available_actions(case=case, scope=scope)
    departments = dict(department_choices())
    return render(request, "governance/case_detail.html", {
        "case": case, "flow": flow, "state_label": gettext(flow.state(case.state).label),
        "overdue": services.is_overdue(case, today=timezone.localdate()),
        "events": _timeline(case, flow, departments),
        "attachments": list(case.attachments.select_related("uploaded_by", "event", "step")),
        "signoffs": [(departments.get(code, code), signed) for code, signed in services.signoff_status(case)],
        "steps": list(case.steps.select_related("done_by")), "named": services.listed(departments.get(c, c) for c in case.departments),
        "lead": departments.get(case.lead_department, case.lead_department),
        "transitions": [a for a in actions if a.kind == "transition"],
        "sign_off": next((a for a in actions if a.kind == services.SIGN_OFF), None),
        "step_actions": {a.code: a for a in actions if a.kind == services.STEP},
        "may_upload": services.may_add_evidence(case=case, scope=scope), "signoff_form": SignoffForm(),
        "step_form": StepForm(), "evidence_form": EvidenceForm(), "action_form": ActionForm(),
        "max_mb": max_bytes() // 1048576})


@require_POST
@scoped_page("case", write=True)
def act(request, scope, number):
    case = services.scoped_case(scope=scope, number=number)
    form = ActionForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        case.version = data["version"]  # the version the page showed: a newer change makes this a conflict
        run_step(request, lambda: services.transition(
            case=case, action=data["action"], actor=request.user, scope=scope, comment=data["comment"],
            new_deadline=data["new_deadline"], freed_mu=data["freed_mu"], attachments=data["files"]),
            gettext("已办理"))
    else:
        form_errors(request, form)
    return redirect("governance:case", number=case.number)


@require_POST
@scoped_page("case", write=True)
def sign(request, scope, number):
    case = services.scoped_case(scope=scope, number=number)
    form = SignoffForm(request.POST, request.FILES)
    if form.is_valid():
        run_step(request, lambda: services.sign_off(case=case, actor=request.user, scope=scope,
                                                decision=form.cleaned_data["decision"],
                                                comment=form.cleaned_data["comment"],
                                                attachments=form.cleaned_data["files"]), gettext("验收意见已签署"))
    else:
        form_errors(request, form)
    return redirect("governance:case", number=case.number)


@require_POST
@scoped_page("case", write=True)
def step(request, scope, number, code):
    case = services.scoped_case(scope=scope, number=number)
    form = StepForm(request.POST, request.FILES)
    if form.is_valid():
        run_step(request, lambda: services.complete_step(case=case, step_code=code, actor=request.user, scope=scope,
                                                     note=form.cleaned_data["note"],
                                                     attachments=form.cleaned_data["files"]), gettext("步骤已完成"))
    else:
        form_errors(request, form)
    return redirect("governance:case", number=case.number)


@require_POST
@scoped_page("case", write=True)
def evidence(request, scope, number):
    case = services.scoped_case(scope=scope, number=number)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        run_step(request, lambda: services.add_evidence(case=case, actor=request.user, scope=scope,
                                                    uploads=form.cleaned_data["files"],
                                                    comment=form.cleaned_data["comment"]), gettext("证据材料已上传"))
    else:
        form_errors(request, form)
    return redirect("governance:case", number=case.number)


@scoped_page("case")
def cases_export(request, scope):
    from parkgov.governance.case_exchange import export_cases
    from parkgov.spatial.gpkg import content_type, export_suffix

    filters = BoardFilters.parse(request.GET)
    with tempfile.TemporaryDirectory(prefix="cases-") as folder:  # this request's own file (issue 13)
        path = Path(folder) / f"治理案件-{timezone.localdate():%Y%m%d}{export_suffix(request.GET)}"
        export_cases(path=path, scope=scope, filters=filters, today=timezone.localdate())
        handle = open(path, "rb")
    return FileResponse(handle, as_attachment=True, filename=path.name, content_type=content_type(path))


@require_POST
@scoped_page("case", write=True)
def cases_import(request, scope):
    from parkgov.errors import ImportRejected
    from parkgov.governance.case_exchange import apply_case_updates

    form = CaseImportForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("governance:cases")
    upload = form.cleaned_data["file"]
    with tempfile.TemporaryDirectory(prefix="case-import-") as folder:
        path = Path(folder) / Path(upload.name or "upload.xlsx").name
        with open(path, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            with transaction.atomic():
                report = apply_case_updates(path=path, actor=request.user, scope=scope, file_name=upload.name)
            messages.success(request, gettext("已导入 %(name)s：办理 %(count)s 项") % {
                "name": upload.name, "count": report.applied})
        except ImportRejected as exc:
            messages.error(request, str(exc))
            for issue in exc.report.issues.errors[:20]:
                messages.error(request, issue.describe(upload.name))
        except InputError as exc:
            messages.error(request, str(exc))
    return redirect("governance:cases")


def _zones(scope):
    from parkgov.ledger.models import Zone

    return scope.filter_zones(Zone.objects.order_by("code"), "id")


def _may_open(scope) -> bool:
    flow = get_workflow("case")
    return scope.can_write("case") and any(w.admits(role=scope.role, department=scope.department, named=())
                                           for w in flow.open.by)


def _timeline(case, flow, departments) -> list:
    from parkgov.accounts.scopes import role_table

    roles, labels = role_table()["roles"], {t.action: t.label for t in flow.transitions}
    labels.update({"open": flow.open.label, services.SIGN_OFF: flow.signoff.label,
                   **services.EVENT_LABELS})
    states = {s.code: s.label for s in flow.states}
    rows = []
    for event in case.events.select_related("actor").prefetch_related("attachments"):
        rows.append({"event": event, "label": gettext(labels.get(event.action, event.action)),
                     "role": gettext(roles[event.role]["name"]) if event.role in roles else event.role,
                     "department": departments.get(event.department, event.department),
                     "from": gettext(states.get(event.from_state, "")) if event.from_state else "",
                     "to": gettext(states.get(event.to_state, "")) if event.to_state else ""})
    return rows


def _saved(form, write):
    try:
        with transaction.atomic():
            return write()
    except (InputError, PermissionDenied) as exc:
        form.add_error(None, str(exc))
