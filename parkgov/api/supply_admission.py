"""准入联审 endpoints: the list, one application with its checks and opinions, filing and editing, the steps
(submit, start_review, resubmit, withdraw), a department's opinion, the committee's decision, the contract.

The same services as the pages (parkgov.supply.admission, admission_contract) and the list's one scoped query
(admission_queries.filtered_applications), so the same scope: every role reading `supply` sees the applications of
its parks; a department gives only its own opinion; an application outside the caller's parks is a 404. Each
request is one transaction.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext
from ninja import Field, Path, Query, Router, Schema, Status

from parkgov.api.auth import scope_of
from parkgov.api.case_schemas import LongText
from parkgov.api.schemas import Code, PageParams, Text, responses
from parkgov.errors import InputError
from parkgov.supply import admission as services
from parkgov.supply.admission_contract import contract_from_application
from parkgov.supply.admission_fields import FIELDS
from parkgov.supply.admission_queries import ApplicationFilters, filtered_applications
from parkgov.supply.admission_rules import admission_workflow
from parkgov.supply.choices import ApplicationState, Opinion, Outcome

router = Router(tags=["准入联审"])


class ApplicationListFilters(Schema):
    state: ApplicationState | None = Field(None, description="状态")
    outcome: Outcome | None = Field(None, description="联审结论")
    zone: Code | None = Field(None, description="园区编码（含下级园区）")
    q: Text | None = Field(None, description="项目名称、投资主体或申请编号")


class ApplicationFields(Schema):
    investor_credit_code: Code
    investor_name: Text
    project_name: Text
    industry_code: Code = Field(description="GB/T 4754-2017 行业代码（小类，如 3854）")
    land_mu: float = Field(description="拟用地面积（亩）")
    fixed_investment: float = Field(description="固定资产投资（万元）")
    expected_output: float | None = None
    expected_tax: float | None = Field(None, description="预计年税收（万元）")
    expected_value_added: float | None = None
    energy_tce: float | None = None
    emissions_t: float | None = None
    employees: int | None = None
    plot_ratio: float | None = None
    building_coefficient: float | None = Field(None, description="建筑系数（%）")
    admin_share: float | None = Field(None, description="行政办公及生活服务设施用地比重（%）")
    green_ratio: float | None = Field(None, description="绿地率（%）")
    rd_share: float | None = Field(None, description="研发经费占比（%）")
    related_credit_codes: list[Code] = Field(default_factory=list, description="关联企业统一社会信用代码")


class ApplicationCreate(ApplicationFields):
    zone: Code = Field(description="拟落地园区编码")


class ApplicationUpdate(ApplicationFields):
    version: int | None = Field(None, description="读取时的版本；已被他人更新则返回 409")


class ApplicationStep(Schema):
    action: Code = Field(description="操作：submit、start_review、resubmit、withdraw")
    comment: LongText = Field("", description="说明；撤回须写理由")
    version: int | None = None


class OpinionCreate(Schema):
    decision: Opinion
    comment: LongText = Field("", description="意见说明；不同意、需补正必填")
    version: int | None = None


class DecisionCreate(Schema):
    outcome: Outcome
    comment: LongText = Field("", description="结论说明；不通过必填")
    conditions: LongText = Field("", description="附加条件；有条件通过必填")
    version: int | None = None


class ContractCreate(Schema):
    parcel_code: Code
    number: Code = Field(description="合同编号")
    signed_on: dt.date
    delivered_on: dt.date | None = None
    agreed_start: dt.date | None = None
    agreed_completion: dt.date | None = None
    agreed_production: dt.date | None = None
    breach_rule: Code = Field("", description="违约规则编号（supply/breach_rules）")
    version: int | None = None


class CheckPublic(Schema):
    code: str
    kind: str
    label: str
    level: str
    value: float | str | None
    threshold: float | str | None
    op: str
    unit: str
    source: str
    verified: bool
    reason: str


class OpinionPublic(Schema):
    round: int
    department: str
    decision: str
    comment: str
    actor: str | None
    at: dt.datetime


class ApplicationPublic(Schema):
    number: str
    project_name: str
    investor_credit_code: str
    investor_name: str
    zone: str
    industry_code: str
    land_mu: float
    fixed_investment: float
    investment_intensity: float = Field(description="投资强度（万元/亩）")
    state: str
    state_label: str
    outcome: str
    round: int
    version: int
    threshold_profile: str
    parcel_code: str | None
    decided_on: dt.date | None


class ApplicationDetail(ApplicationPublic):
    fields: dict
    related_credit_codes: list[str]
    checks: list[CheckPublic]
    opinions: list[OpinionPublic]
    outcome_reasons: list[dict]
    conditions: str
    actions: list[str] = Field(description="您现在可以办理的操作")


class ApplicationPage(Schema):
    count: int
    items: list[ApplicationPublic]


@router.get("/supply/applications", response=responses(200, ApplicationPage), summary="准入申请列表")
def list_applications(request, filters: Query[ApplicationListFilters], page: Query[PageParams]):
    """您园区内的准入申请（最新在前），可按状态、结论、园区筛选。"""
    rows = filtered_applications(scope=scope_of(request), filters=ApplicationFilters(
        state=filters.state or "", outcome=filters.outcome or "", zone=filters.zone or "", q=filters.q or ""))
    return {"count": rows.count(), "items": [application_public(a) for a in rows[page.offset:page.offset + page.limit]]}


@router.get("/supply/applications/{stored:number}", response=responses(200, ApplicationDetail),
            summary="单个准入申请")
def get_application(request, number: Path[Code]):
    """一个准入申请：核查结果（数值、标准、依据）、本轮部门意见、结论与理由、您可以办理的操作。"""
    scope = scope_of(request)
    return application_detail(services.scoped_application(scope=scope, number=number), scope=scope)


@router.post("/supply/applications", response=responses(201, ApplicationDetail), summary="填报准入申请")
def create_application(request, payload: ApplicationCreate):
    """填报（草稿）；统一社会信用代码按 GB 32100 校验，行业代码须在 GB/T 4754-2017 表中。"""
    from parkgov.ledger.models import Zone

    scope = scope_of(request)
    data = payload.dict()
    zone = scope.filter_zones(Zone.objects.all(), "id").filter(code=data.pop("zone")).first()
    if zone is None:
        raise InputError(gettext("您的园区范围内没有编码为“%(code)s”的园区") % {"code": payload.zone})
    with transaction.atomic():
        app = services.create_application(actor=request.auth, scope=scope, zone=zone, **data)
    return Status(201, application_detail(app, scope=scope))


@router.put("/supply/applications/{stored:number}", response=responses(200, ApplicationDetail),
            summary="修改准入申请")
def update_application(request, number: Path[Code], payload: ApplicationUpdate):
    """草稿或退回补正时修改全部字段。"""
    scope = scope_of(request)
    data = payload.dict()
    version = data.pop("version")
    with transaction.atomic():
        app = _read(scope, number, version)
        services.edit_application(application=app, actor=request.auth, scope=scope, **data)
    return application_detail(app, scope=scope)


@router.post("/supply/applications/{stored:number}/transitions", response=responses(200, ApplicationDetail),
             summary="办理（提交受理、发起联审、重新提交、撤回）")
def transition_application(request, number: Path[Code], payload: ApplicationStep):
    """按流程表办理一步；角色不符 403，状态不符或缺少理由 422，版本过期 409。"""
    scope = scope_of(request)
    with transaction.atomic():
        app = _read(scope, number, payload.version)
        services.transition(application=app, action=payload.action, actor=request.auth, scope=scope,
                            comment=payload.comment)
    return application_detail(app, scope=scope)


@router.post("/supply/applications/{stored:number}/opinions", response=responses(201, ApplicationDetail),
             summary="部门联审意见")
def give_application_opinion(request, number: Path[Code], payload: OpinionCreate):
    """本部门在本轮的意见（每轮一次）：同意、不同意或需补正（需补正即退回补正）。"""
    scope = scope_of(request)
    with transaction.atomic():
        app = _read(scope, number, payload.version)
        services.give_opinion(application=app, actor=request.auth, scope=scope, decision=payload.decision,
                              comment=payload.comment)
    return Status(201, application_detail(app, scope=scope))


@router.post("/supply/applications/{stored:number}/decision", response=responses(200, ApplicationDetail),
             summary="联审结论")
def decide_application(request, number: Path[Code], payload: DecisionCreate):
    """管委会作出结论；核查或意见不允许该结论时 422 并说明原因。"""
    scope = scope_of(request)
    with transaction.atomic():
        app = _read(scope, number, payload.version)
        services.decide(application=app, actor=request.auth, scope=scope, outcome=payload.outcome,
                        comment=payload.comment, conditions=payload.conditions)
    return application_detail(app, scope=scope)


@router.post("/supply/applications/{stored:number}/contract", response=responses(201, ApplicationDetail),
             summary="签订标准地合同")
def contract_application(request, number: Path[Code], payload: ContractCreate):
    """把承诺指标写入地块的标准地合同，申请转为已签约。"""
    from parkgov.ledger.models import Parcel

    scope = scope_of(request)
    data = payload.dict()
    version, code = data.pop("version"), data.pop("parcel_code")
    with transaction.atomic():
        app = _read(scope, number, version)
        parcel = scope.filter_zones(Parcel.objects.all()).filter(code=code).first()
        if parcel is None:
            raise InputError(gettext("您的园区范围内没有地块编码为“%(code)s”的地块") % {"code": code})
        contract_from_application(application=app, parcel=parcel, actor=request.auth, scope=scope, **data)
    return Status(201, application_detail(app, scope=scope))


def _read(scope, number, version):
    app = services.scoped_application(scope=scope, number=number)
    if version is not None:
        app.version = version
    return app


def application_public(app) -> dict:
    flow = admission_workflow()
    return {"number": app.number, "project_name": app.project_name, "investor_credit_code": app.investor_credit_code,
            "investor_name": app.investor_name, "zone": app.zone.code, "industry_code": app.industry_code,
            "land_mu": app.land_mu, "fixed_investment": app.fixed_investment,
            "investment_intensity": round(app.fixed_investment / app.land_mu, 4), "state": app.state,
            "state_label": gettext(flow.state(app.state).label), "outcome": app.outcome, "round": app.round,
            "version": app.version, "threshold_profile": app.threshold_profile,
            "parcel_code": app.parcel.code if app.parcel else None, "decided_on": app.decided_on}


def application_detail(app, *, scope) -> dict:
    from parkgov.supply.admission_presenters import visible_checks, visible_reasons

    opinions = app.opinions.select_related("actor").order_by("round", "at")
    return {**application_public(app), "fields": {name: getattr(app, name) for name in FIELDS},
            "related_credit_codes": list(app.related_credit_codes),
            "checks": [{k: c[k] for k in CheckPublic.model_fields} for c in visible_checks(app.checks, scope=scope)],
            "opinions": [{"round": o.round, "department": o.department, "decision": o.decision,
                          "comment": o.comment, "actor": o.actor.username if o.actor else None, "at": o.at}
                         for o in opinions],
            "outcome_reasons": visible_reasons(app.outcome_reasons, scope=scope), "conditions": app.conditions,
            "actions": [code for code, _label in services.available_actions(application=app, scope=scope)]}
