"""Case endpoints (一地一企一策): the board's list, one case, 立案, transitions, sign-offs, steps, evidence.

The same services as the pages (parkgov.governance.cases) and the board's one scoped query (case_queries), so
the same scope: every role reading `case` sees the cases of its parks, a department acts only on cases naming
it, per the workflow table. A case outside the caller's parks is a 404. Each request is one transaction.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from ninja import File, Path, Query, Router, Status, UploadedFile

from parkgov.api.auth import scope_of
from parkgov.api.case_schemas import (
    CaseCreate, CaseDetail, CaseFilters, CasePage, CaseSignoffCreate, CaseStepDone, CaseTransition,
)
from parkgov.api.schemas import Code, ErrorResponse, PageParams, responses
from parkgov.governance import cases as services
from parkgov.governance.case_queries import BoardFilters, board_cases
from parkgov.governance.workflow import get_workflow

router = Router(tags=["治理案件"])


@router.get("/governance/cases", response=responses(200, CasePage), summary="治理案件列表（逾期在前）")
def list_cases(request, filters: Query[CaseFilters], page: Query[PageParams]):
    """您园区内的案件（各部门可看本园区全部案件，只能办理列明本部门的案件），逾期在前，再按期限；可按状态、
    责任部门、园区、逾期筛选。"""
    today = timezone.localdate()
    cases = board_cases(scope=scope_of(request), today=today, filters=BoardFilters(
        state=filters.state or "", department=filters.department or "", zone=filters.zone or "",
        overdue=filters.overdue))
    items = cases[page.offset:page.offset + page.limit]
    return {"count": cases.count(), "items": [case_public(c, today=today) for c in items]}


@router.get("/governance/cases/{stored:number}", response=responses(200, CaseDetail), summary="单个案件")
def get_case(request, number: Path[Code]):
    """一个案件：办理记录、本轮部门验收、步骤、证据材料，以及您现在可以办理的操作。"""
    scope = scope_of(request)
    return case_detail(services.scoped_case(scope=scope, number=number), scope=scope)


@router.post("/governance/cases", response=responses(201, CaseDetail), summary="立案")
def create_case(request, payload: CaseCreate):
    """立案（按流程表，默认只有管委会可以）；企业、地块和清单条目须在您的园区内。"""
    scope = scope_of(request)
    data = payload.dict()
    with transaction.atomic():
        case = services.open_case_from_codes(
            actor=request.auth, scope=scope, credit_code=data.pop("credit_code") or "",
            parcel_code=data.pop("parcel_code") or "", list_entry_id=data.pop("list_entry"), **data)
    return Status(201, case_detail(case, scope=scope))


@router.post("/governance/cases/{stored:number}/transitions", response=responses(200, CaseDetail),
             summary="办理（派发、接收、提交核验、销号、退回、延期）")
def transition_case(request, number: Path[Code], payload: CaseTransition):
    """按流程表办理一步；不允许时返回 403（角色或部门不符）或 422（状态不符、缺少证据、验收或理由），
    给出 version 而案件已被他人更新时返回 409。"""
    scope = scope_of(request)
    with transaction.atomic():
        case = services.scoped_case(scope=scope, number=number)
        if payload.version is not None:
            case.version = payload.version
        services.transition(case=case, action=payload.action, actor=request.auth, scope=scope,
                            comment=payload.comment, new_deadline=payload.new_deadline, freed_mu=payload.freed_mu)
    return case_detail(case, scope=scope)


@router.post("/governance/cases/{stored:number}/signoffs", response=responses(201, CaseDetail),
             summary="部门验收（同意销号或不同意）")
def sign_off_case(request, number: Path[Code], payload: CaseSignoffCreate):
    """本部门对本轮核验签署意见（每轮一次）；案件须处于待核验且列明本部门。"""
    scope = scope_of(request)
    with transaction.atomic():
        case = services.scoped_case(scope=scope, number=number)
        services.sign_off(case=case, actor=request.auth, scope=scope, decision=payload.decision,
                          comment=payload.comment)
    return Status(201, case_detail(case, scope=scope))


@router.post("/governance/cases/{stored:number}/steps/{code}", response=responses(200, CaseDetail),
             summary="完成模板步骤")
def complete_case_step(request, number: Path[Code], code: Path[Code], payload: CaseStepDone):
    """完成步骤模板中的一步（由该步骤的责任部门，在整改中，前置步骤完成后）。"""
    scope = scope_of(request)
    with transaction.atomic():
        case = services.scoped_case(scope=scope, number=number)
        services.complete_step(case=case, step_code=code, actor=request.auth, scope=scope, note=payload.note)
    return case_detail(case, scope=scope)


@router.post("/governance/cases/{stored:number}/attachments",
             response={**responses(201, CaseDetail), 413: ErrorResponse}, summary="上传整改证据")
def upload_case_attachments(request, number: Path[Code], files: File[list[UploadedFile]]):
    """上传一个或多个证据文件（字段名 files，PNG、JPEG、WebP 或 PDF，按内容判断）；计入本轮提交核验的证据。"""
    scope = scope_of(request)
    with transaction.atomic():
        case = services.scoped_case(scope=scope, number=number)
        services.add_evidence(case=case, actor=request.auth, scope=scope, uploads=files)
    return Status(201, case_detail(case, scope=scope))


def case_public(case, *, today) -> dict:
    flow = get_workflow(case.workflow)
    return {"number": case.number, "title": case.title, "workflow": case.workflow, "state": case.state,
            "state_label": gettext(flow.state(case.state).label),
            "credit_code": case.enterprise.credit_code if case.enterprise else None,
            "enterprise_name": case.enterprise.name if case.enterprise else None,
            "parcel_code": case.parcel.code if case.parcel else None, "zone": case.zone.code,
            "disposition": case.disposition, "lead_department": case.lead_department,
            "departments": list(case.departments), "deadline": case.deadline,
            "original_deadline": case.original_deadline, "overdue": services.is_overdue(case, today=today),
            "round": case.round, "version": case.version, "freed_mu": case.freed_mu, "closed_on": case.closed_on,
            "targets": {"free_mu": case.target_free_mu, "tax_per_mu": case.target_tax_per_mu,
                        "demolish_m2": case.target_demolish_m2, "add_floor_m2": case.target_add_floor_m2}}


def case_detail(case, *, scope) -> dict:
    case.refresh_from_db()
    events = case.events.select_related("actor").prefetch_related("attachments")
    return {**case_public(case, today=timezone.localdate()), "measures": case.measures,
            "acceptance_record": case.acceptance_record,
            "events": [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state,
                        "actor": e.actor.username if e.actor else None, "role": e.role, "department": e.department,
                        "comment": e.comment, "deadline_before": e.deadline_before,
                        "deadline_after": e.deadline_after, "at": e.at,
                        "attachments": [a.pk for a in e.attachments.all()]} for e in events],
            "signoffs": [{"round": s.round, "department": s.department, "decision": s.decision, "comment": s.comment,
                          "actor": s.actor.username if s.actor else None, "at": s.at}
                         for s in case.signoffs.select_related("actor").order_by("round", "department")],
            "steps": [{"order": s.order, "code": s.code, "name": s.name, "department": s.department,
                       "status": s.status, "done_on": s.done_on} for s in case.steps.all()],
            "attachments": [{"id": a.pk, "original_name": a.original_name, "content_type": a.content_type,
                             "size": a.size, "url": reverse("governance:attachment", args=[a.pk])}
                            for a in case.attachments.all()],
            "actions": [{"kind": a.kind, "code": a.code, "label": a.label, "blocked": list(a.blocked)}
                        for a in services.available_actions(case=case, scope=scope)]}
