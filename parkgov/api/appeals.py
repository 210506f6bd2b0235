"""Appeal endpoints (issue 16 §5): the appeals in the caller's scope (an enterprise its own, staff those of their
parks), filing one (enterprise accounts, within the 公示 period), the workflow's steps, and the enterprise's own
summary. Refusals: 403 (role or department), 404 (outside scope), 422 (state, period or missing input)."""

from datetime import date, datetime

from django.db import transaction
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from parkgov.api.auth import scope_of
from parkgov.api.schemas import PageParams, responses
from parkgov.appeals import selfservice, services
from parkgov.audit.context import acting_as
from parkgov.errors import NotFound

router = Router(tags=["企业申诉"])


class AppealPublic(Schema):
    id: int
    number: str
    credit_code: str
    enterprise_name: str
    run_id: int
    year: int
    field: str = Field(description="申诉对象：年度数据字段，或 result（评价结果）")
    current_value: str
    claimed_value: str
    reason: str
    department: str = Field(description="核查部门")
    state: str
    state_label: str
    due_on: date | None = Field(description="本步办理期限")
    late: bool
    adjusted_value: str
    adjusted_run_id: int | None
    reply: str
    filed_at: datetime
    events: list[dict] = Field(description="办理记录：操作、原状态、新状态、说明、明细、时间")


class AppealPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AppealPublic]


class AppealFilters(Schema):
    state: str | None = Field(None, description="状态（submitted、accepted、verified、maintained、adjusted、rejected、answered）")


class AppealCreate(Schema):
    field: str = Field(description="申诉对象：result 或年度数据字段（tax、revenue …）")
    claimed_value: str = ""
    reason: str


class AppealTransition(Schema):
    action: str = Field(description="accept、reject、verify、maintain、adjust、reply")
    reason: str = ""
    value: str = ""
    reply: str = ""


class MePublic(Schema):
    credit_code: str
    name: str
    result: dict | None = Field(description="最新评价结果：年度、批次、类别、总分、排名、档位、各指标说明、升档差距")
    figures: list[dict] = Field(description="各年度数据及来源（含企业自报）")


def _public(appeal) -> dict:
    states = services.state_labels()
    final = set(services.final_states())
    return {"id": appeal.pk, "number": appeal.number, "credit_code": appeal.enterprise.credit_code,
            "enterprise_name": appeal.enterprise.name, "run_id": appeal.run_id, "year": appeal.year,
            "field": appeal.field, "current_value": appeal.current_value, "claimed_value": appeal.claimed_value,
            "reason": appeal.reason, "department": appeal.department, "state": appeal.state,
            "state_label": dict(states)[appeal.state], "due_on": appeal.due_on,
            "late": bool(appeal.due_on and appeal.due_on < date.today() and appeal.state not in final),
            "adjusted_value": appeal.adjusted_value, "adjusted_run_id": appeal.adjusted_run_id,
            "reply": appeal.reply, "filed_at": appeal.filed_at,
            "events": [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state, "note": e.note,
                        "details": e.details, "at": e.at.isoformat()} for e in appeal.events.all()]}


@router.get("/appeals", response=responses(200, AppealPage), summary="申诉列表")
def list_appeals(request, filters: Query[AppealFilters], page: Query[PageParams]):
    """您数据范围内的申诉（企业账号：本企业的），新的在前。"""
    appeals = services.scoped_appeals(scope=scope_of(request)).prefetch_related("events")
    if filters.state:
        appeals = appeals.filter(state=filters.state)
    items = [_public(a) for a in appeals[page.offset:page.offset + page.limit]]
    return {"count": appeals.count(), "limit": page.limit, "offset": page.offset, "items": items}


@router.get("/appeals/{appeal_id}", response=responses(200, AppealPublic), summary="一件申诉")
def get_appeal(request, appeal_id: Path[int]):
    """一件申诉及其办理记录；不在数据范围内时 404。"""
    return _public(services.get_appeal(scope=scope_of(request), appeal_id=appeal_id))


@router.post("/appeals", response=responses(201, AppealPublic), summary="提出申诉（企业账号）")
def create_appeal(request, payload: AppealCreate):
    """对本企业最新评价批次的一项数据或结果提出申诉；须在该批次公示期内。"""
    scope = scope_of(request)
    selfservice.require_enterprise(scope)
    result = selfservice.latest_result(scope=scope)
    if result is None:
        raise NotFound("尚无本企业的评价结果，无可申诉的内容")
    with acting_as(request.auth, reason="企业申诉"), transaction.atomic():
        appeal = services.file_appeal(scope=scope, actor=request.auth, run=result.run, field=payload.field,
                                      claimed_value=payload.claimed_value, reason=payload.reason)
    return Status(201, _public(appeal))


@router.post("/appeals/{appeal_id}/transitions", response=responses(200, AppealPublic), summary="办理申诉")
def transition_appeal(request, appeal_id: Path[int], payload: AppealTransition):
    """按流程表办理一步（受理、不予受理、核查、维持、调整、答复）；调整会改写数据并重新评价。"""
    scope = scope_of(request)
    with acting_as(request.auth, reason="申诉办理"), transaction.atomic():
        appeal = services.get_appeal(scope=scope, appeal_id=appeal_id)
        services.transition(appeal=appeal, action=payload.action, scope=scope, actor=request.auth,
                            reason=payload.reason, value=payload.value, reply=payload.reply)
    return _public(appeal)


@router.get("/me", response=responses(200, MePublic), summary="本企业（企业账号）")
def get_me(request):
    """企业账号本企业的最新评价结果（各指标说明、排名、档位、政策、升档差距）与各年度数据及来源。"""
    scope = scope_of(request)
    firm = selfservice.require_enterprise(scope)
    result = selfservice.latest_result(scope=scope)
    summary = None
    if result is not None:
        explained = selfservice.explanation(result=result)
        summary = {"year": result.run.year, "run_id": result.run_id, "class": result.class_final,
                   "total": result.total, "rank": result.rank, "rank_of": result.rank_of,
                   "population": result.population_name, "tier": result.tier, **explained}
    figures = [{"year": y["year"], "rows": [_figure(r) for r in y["rows"]]} for y in selfservice.figures(scope=scope)]
    return {"credit_code": firm.credit_code, "name": firm.name, "result": summary, "figures": figures}


def _figure(row) -> dict:
    report = row["self_report"]
    return {"field": row["field"], "value": row["value"], "source": row["source"].file_name if row["source"] else None,
            "self_report": report.value if report else None, "self_report_status": report.status if report else None}
