"""Land-control and land-quota endpoints: control-indicator violations, 零增地 renovations, the zones' quota accounts,
movements and transfers (lists), and the writes (debit, transfer request and decision, renovation).

Every list reads the service the page uses (`supply.control.control_rows`, `supply.quota.*`,
`supply.renovations.scoped_renovations`), so a park-scoped caller gets exactly the rows of its parks; every write
is one transaction attributed to the caller."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.schemas import Code, PageParams, Text, responses
from parkgov.audit.context import acting_as
from parkgov.ledger.models import Zone
from parkgov.supply import control, quota, renovations
from parkgov.supply.choices import QuotaMovementKind, TransferState

router = Router(tags=["供地：控制指标与用地指标"])


class ControlFilters(Schema):
    zone: Code | None = Field(None, description="园区编码（只含该园区自身的地块）")
    indicator: str | None = Field(None, description="plot_ratio、building_coefficient、admin_share、green_ratio")
    edition: str | None = Field(None, description="控制指标版本：2004、2008、2023")
    all: bool = Field(False, description="true 含符合与未核的指标，默认只列不符合")


class ControlPublic(Schema):
    parcel_code: str
    zone_code: str
    credit_code: str
    industry_code: str | None
    edition: str | None
    indicator: str
    bound: str
    value: float | None
    limit: float | None
    status: str
    violated: bool


class ControlPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ControlPublic]


class RenovationPublic(Schema):
    id: int
    parcel_code: str
    zone_code: str
    completed_on: dt.date
    storeys_added: int
    plot_ratio_before: float
    plot_ratio_after: float
    floor_area_added_m2: float
    note: str


class RenovationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RenovationPublic]


class RenovationIn(Schema):
    parcel_code: Code
    completed_on: dt.date
    storeys_added: int = Field(ge=0, le=50)
    plot_ratio_before: float = Field(ge=0)
    plot_ratio_after: float = Field(ge=0)
    floor_area_added_m2: float = Field(ge=0)
    note: str = Field("", max_length=2000)


class AccountPublic(Schema):
    zone_code: str
    zone_name: str
    balance_mu: float
    pending_transfers: int
    unsupplied_mu: float = Field(description="批而未供土地（亩）")


class MovementPublic(Schema):
    id: int
    zone_code: str
    kind: QuotaMovementKind
    mu: float
    balance_after: float | None
    moved_on: dt.date
    parcel_code: str | None
    case_number: str | None
    note: str


class MovementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MovementPublic]


class TransferPublic(Schema):
    id: int
    from_zone: str
    to_zone: str
    mu: float
    state: TransferState
    reason: str
    requested_on: dt.date
    decided_on: dt.date | None
    decision_note: str


class DebitIn(Schema):
    zone: Code
    parcel_code: Code
    mu: float = Field(gt=0)
    moved_on: dt.date
    note: str = Field("", max_length=2000)


class TransferIn(Schema):
    from_zone: Code
    to_zone: Code = Field(description="申请（调入）园区，须在调用者的园区范围内")
    mu: float = Field(gt=0)
    reason: Text


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=2000, description="不批准时必填")


def _control(row) -> dict:
    return {"parcel_code": row["code"], "zone_code": row["zone_code"], "credit_code": row["credit_code"],
            **{k: row[k] for k in ("industry_code", "edition", "indicator", "bound", "value", "limit", "status",
                                   "violated")}}


@router.get("/supply/control/violations", response=responses(200, ControlPage), summary="控制指标核查")
def list_control_violations(request, filters: Query[ControlFilters], page: Query[PageParams]):
    """有建筑的工业用地按供地时适用的控制指标版本核查的结果（默认只列不符合项）；限定园区的账号只看到其园区的地块。"""
    scope = scope_of(request)
    zone_id = quota.zone_in_scope(scope=scope, code=filters.zone).pk if filters.zone else None
    rows = control.control_rows(scope=scope, filters=control.ControlFilters.parse(
        {"zone": str(zone_id or ""), "indicator": filters.indicator, "edition": filters.edition,
         "all": "1" if filters.all else ""}))
    codes = dict(Zone.objects.filter(id__in={r["zone_id"] for r in rows}).values_list("id", "code"))
    items = [_control(r | {"zone_code": codes[r["zone_id"]]}) for r in rows[page.offset:page.offset + page.limit]]
    return {"count": len(rows), "limit": page.limit, "offset": page.offset, "items": items}


def _renovation(row) -> dict:
    return {"id": row.pk, "parcel_code": row.parcel.code, "zone_code": row.parcel.zone.code,
            **{name: getattr(row, name) for name in renovations.FIELDS}}


@router.get("/supply/renovations", response=responses(200, RenovationPage), summary="零增地改造")
def list_renovations(request, page: Query[PageParams]):
    """零增地改造记录（加层数、改造前后容积率、新增建筑面积），新的在前。"""
    rows = renovations.scoped_renovations(scope=scope_of(request))
    return {"count": rows.count(), "limit": page.limit, "offset": page.offset,
            "items": [_renovation(r) for r in rows[page.offset:page.offset + page.limit]]}


@router.post("/supply/renovations", response=responses(200, RenovationPublic), summary="登记零增地改造")
def create_renovation(request, body: RenovationIn):
    """新增建筑面积须与（改造后 − 改造前容积率）× 土地面积相符（容差见 checks.yaml）。"""
    with acting_as(request.auth, reason="登记零增地改造"), transaction.atomic():
        row = renovations.record(scope=scope_of(request), actor=request.auth, **body.dict())
    return _renovation(row)


@router.get("/supply/quota/accounts", response=responses(200, list[AccountPublic]), summary="用地指标账户")
def list_quota_accounts(request):
    """调用者园区范围内每个园区的指标余额（亩）、待审批调剂数与批而未供土地（亩）。"""
    return [{"zone_code": a["zone"].code, "zone_name": a["zone"].name, "balance_mu": a["balance_mu"],
             "pending_transfers": a["pending"], "unsupplied_mu": a["unsupplied_mu"]}
            for a in quota.scoped_accounts(scope=scope_of(request))]


@router.get("/supply/quota/movements", response=responses(200, MovementPage), summary="用地指标变动")
def list_quota_movements(request, page: Query[PageParams], zone: Code | None = None):
    """指标变动（释放、使用、调出、调入），每条关联其地块或治理案件；可按园区编码筛选。"""
    scope = scope_of(request)
    rows = quota.movements(scope=scope, zone=quota.zone_in_scope(scope=scope, code=zone) if zone else None)
    return {"count": rows.count(), "limit": page.limit, "offset": page.offset, "items": [
        {"id": m.pk, "zone_code": m.account.zone.code, "kind": m.kind, "mu": m.mu, "balance_after": m.balance_after,
         "moved_on": m.moved_on, "parcel_code": m.parcel.code if m.parcel else None,
         "case_number": m.case.number if m.case else None, "note": m.note}
        for m in rows[page.offset:page.offset + page.limit]]}


def _transfer(t) -> dict:
    return {"id": t.pk, "from_zone": t.from_account.zone.code, "to_zone": t.to_account.zone.code, "mu": t.mu,
            "state": t.state, "reason": t.reason, "requested_on": t.requested_on, "decided_on": t.decided_on,
            "decision_note": t.decision_note}


@router.get("/supply/quota/transfers", response=responses(200, list[TransferPublic]), summary="指标调剂")
def list_quota_transfers(request, state: TransferState | None = None):
    """调出或调入一方在调用者园区范围内的指标调剂申请，新的在前。"""
    return [_transfer(t) for t in quota.transfers(scope=scope_of(request), state=state or "")[:1000]]


@router.post("/supply/quota/debits", response=responses(200, MovementPublic), summary="登记新增供地使用指标")
def create_quota_debit(request, body: DebitIn):
    """扣减园区指标用于地块供地；余额不足时拒绝（余额不能为负）。"""
    scope = scope_of(request)
    zone = quota.zone_in_scope(scope=scope, code=body.zone)
    parcel = quota.zone_parcel(zone=zone, code=body.parcel_code)
    with acting_as(request.auth, reason="登记新增供地使用指标"), transaction.atomic():
        m = quota.debit(scope=scope, actor=request.auth, zone=zone, parcel=parcel, mu=body.mu, moved_on=body.moved_on,
                        note=body.note)
    return {"id": m.pk, "zone_code": zone.code, "kind": m.kind, "mu": m.mu, "balance_after": m.balance_after,
            "moved_on": m.moved_on, "parcel_code": parcel.code, "case_number": None, "note": m.note}


@router.post("/supply/quota/transfers", response=responses(200, TransferPublic), summary="申请指标调剂")
def create_quota_transfer(request, body: TransferIn):
    """申请园区（调入）向调出园区申请指标；管委会批准前不变动余额。"""
    scope = scope_of(request)
    source = quota.any_zone(code=body.from_zone)
    with acting_as(request.auth, reason="申请指标调剂"), transaction.atomic():
        t = quota.request_transfer(scope=scope, actor=request.auth, from_zone=source,
                                   to_zone=quota.zone_in_scope(scope=scope, code=body.to_zone), mu=body.mu,
                                   reason=body.reason, requested_on=timezone.localdate())
    return _transfer(t)


@router.post("/supply/quota/transfers/{pk}/decide", response=responses(200, TransferPublic), summary="审批指标调剂")
def decide_quota_transfer(request, pk: Path[int], body: DecisionIn):
    """管委会批准（同时写入调出、调入两条变动）或不批准（须写明理由）。"""
    scope = scope_of(request)
    with acting_as(request.auth, reason="审批指标调剂"), transaction.atomic():
        t = quota.decide_transfer(scope=scope, actor=request.auth, transfer=quota.transfer_in_scope(scope=scope, pk=pk),
                                  approve=body.approve, note=body.note, decided_on=timezone.localdate())
    return _transfer(t)
