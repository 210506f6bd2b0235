"""Supply review endpoints: 标准地 contracts, review runs (达产复核 and 闲置土地) and their checks, scoped."""

import datetime as dt

from django.db import transaction
from ninja import Field, Path, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.schemas import PageParams, responses
from parkgov.supply import review_queries as queries
from parkgov.supply.contracts import save_contract

router = Router(tags=["标准地与供地复核"])


class ContractPublic(Schema):
    id: int
    number: str = Field(description="合同编号")
    parcel_code: str = Field(description="地块编码")
    credit_code: str | None = Field(description="统一社会信用代码")
    zone_code: str
    signed_on: dt.date
    agreed_start: dt.date | None
    agreed_completion: dt.date | None
    agreed_production: dt.date | None
    actual_start: dt.date | None
    actual_completion: dt.date | None
    indicators: dict = Field(description="承诺指标：指标代码 → 承诺值（supply/data/indicators.yaml）")
    breach_rule: str = Field(description="违约规则编号")


class ContractPage(Schema):
    count: int
    items: list[ContractPublic]


class ContractFilterParams(Schema):
    q: str = Field("", description="合同编号、地块编码或企业")
    zone: str = Field("", description="园区编码（含下级园区）")
    rule: str = Field("", description="违约规则编号")
    status: str = Field("", description="最新复核结果（not_due/met/not_met/no_data/rectifying/recovery）")


class ContractChange(Schema):
    """Fields to change; omitted ones stay. Indicators merge into the stored ones (null removes one)."""

    agreed_start: dt.date | None = None
    agreed_completion: dt.date | None = None
    agreed_production: dt.date | None = None
    actual_start: dt.date | None = None
    actual_completion: dt.date | None = None
    actual_production: dt.date | None = None
    breach_rule: str | None = None
    indicators: dict[str, float | None] | None = None


class RunPublic(Schema):
    id: int
    as_of: dt.date = Field(description="复核基准日")
    year: int = Field(description="数据年度")
    zone_code: str | None
    contracts: int = Field(description="您数据范围内的合同数")
    damages: float | None = Field(description="您数据范围内的违约金合计（万元）")
    rules_hash: str
    input_hash: str


class RunPage(Schema):
    count: int
    items: list[RunPublic]


class CommitmentCheckPublic(Schema):
    contract_number: str
    parcel_code: str
    credit_code: str | None
    zone_code: str
    status: str
    indicators: list
    damages: float | None = Field(description="违约金（万元）")
    formula: str
    next_step: str
    rectify_by: dt.date | None
    failures: int
    reasons: list[str]


class CommitmentCheckPage(Schema):
    count: int
    items: list[CommitmentCheckPublic]


class IdleCheckPublic(Schema):
    parcel_code: str
    contract_number: str | None
    zone_code: str
    status: str
    idle_on: dt.date | None
    recover_on: dt.date | None
    days_to_next: int | None
    fee: float | None = Field(description="土地闲置费（万元）")
    formula: str
    government_caused: bool
    reasons: list[str]


class IdleCheckPage(Schema):
    count: int
    items: list[IdleCheckPublic]


class StatusFilter(Schema):
    status: str = Field("", description="状态代码")


def _contract(c) -> dict:
    return {"id": c.pk, "number": c.number, "parcel_code": c.parcel.code, "zone_code": c.parcel.zone.code,
            "credit_code": c.enterprise.credit_code if c.enterprise_id else None, "signed_on": c.signed_on,
            "agreed_start": c.agreed_start, "agreed_completion": c.agreed_completion,
            "agreed_production": c.agreed_production, "actual_start": c.actual_start,
            "actual_completion": c.actual_completion, "indicators": c.indicators, "breach_rule": c.breach_rule}


@router.get("/supply/contracts", response=responses(200, ContractPage), summary="标准地合同")
def list_supply_contracts(request, filters: Query[ContractFilterParams], page: Query[PageParams]):
    """您园区内的标准地合同及其承诺指标，按合同编号。"""
    rows = queries.contracts(scope=scope_of(request), filters=queries.ContractFilters(**filters.dict()))
    return {"count": rows.count(), "items": [_contract(c) for c in rows[page.offset:page.offset + page.limit]]}


@router.patch("/supply/contracts/{contract_id}", response=responses(200, ContractPublic), summary="修改标准地合同")
def update_supply_contract(request, contract_id: Path[int], payload: ContractChange):
    """修改合同日期、违约规则或承诺指标（与导入、网页表单同一套校验）；须有供地数据的修改权限。"""
    scope = scope_of(request)
    scope.require("supply", write=True)
    contract = queries.contract(scope=scope, contract_id=contract_id)
    data = payload.dict(exclude_unset=True)
    values = {k: v for k, v in data.items() if k != "indicators"}
    values.update({f"ind_{code}": value for code, value in (data.get("indicators") or {}).items()})
    values.setdefault("breach_rule", contract.breach_rule)
    for field in ("signed_on", "agreed_start", "agreed_completion", "agreed_production", "actual_start",
                  "actual_completion", "actual_production", "delivered_on", "stopped_on"):
        values.setdefault(field, getattr(contract, field))
    with transaction.atomic():
        contract = save_contract(values={**values, "parcel": contract.parcel}, contract=contract)
    return _contract(contract)


@router.get("/supply/reviews", response=responses(200, RunPage), summary="供地复核批次")
def list_supply_reviews(request, page: Query[PageParams]):
    """达产复核与闲置土地复核批次，新的在前；计数与金额只含您数据范围内的合同。"""
    rows = queries.runs(scope=scope_of(request))
    items = [{"id": r.pk, "as_of": r.as_of, "year": r.year, "zone_code": r.zone.code if r.zone_id else None,
              "contracts": r.contracts, "damages": r.damages, "rules_hash": r.rules_hash, "input_hash": r.input_hash}
             for r in rows.select_related("zone")[page.offset:page.offset + page.limit]]
    return {"count": rows.count(), "items": items}


@router.get("/supply/reviews/{run_id}/commitments", response=responses(200, CommitmentCheckPage), summary="达产复核结果")
def list_commitment_checks(request, run_id: Path[int], filters: Query[StatusFilter], page: Query[PageParams]):
    """一个批次中您园区内每份合同的达产复核：逐项指标、违约金与计算公式、下一步。"""
    rows = queries.commitment_checks(scope=scope_of(request), run_id=run_id, status=filters.status)
    items = [{"contract_number": c.contract.number, "parcel_code": c.parcel.code, "zone_code": c.zone.code,
              "credit_code": c.enterprise.credit_code if c.enterprise_id else None, "status": c.status,
              "indicators": c.indicators, "damages": c.damages, "formula": c.formula, "next_step": c.next_step,
              "rectify_by": c.rectify_by, "failures": c.failures, "reasons": c.reasons}
             for c in rows[page.offset:page.offset + page.limit]]
    return {"count": rows.count(), "items": items}


@router.get("/supply/reviews/{run_id}/idle", response=responses(200, IdleCheckPage), summary="闲置土地复核结果")
def list_idle_checks(request, run_id: Path[int], filters: Query[StatusFilter], page: Query[PageParams]):
    """一个批次中您园区内每宗已供地块的闲置状态、节点日期与土地闲置费。"""
    rows = queries.idle_checks(scope=scope_of(request), run_id=run_id, status=filters.status)
    items = [{"parcel_code": c.parcel.code, "contract_number": c.contract.number if c.contract_id else None,
              "zone_code": c.zone.code, "status": c.status, "idle_on": c.idle_on, "recover_on": c.recover_on,
              "days_to_next": c.days_to_next, "fee": c.fee, "formula": c.formula,
              "government_caused": c.government_caused, "reasons": c.reasons}
             for c in rows[page.offset:page.offset + page.limit]]
    return {"count": rows.count(), "items": items}

