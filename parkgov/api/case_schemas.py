"""Request and response schemas of the case endpoints (parkgov/api/governance_cases.py), named for their use."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from parkgov.api.schemas import Code, Text
from parkgov.governance import choices

LongText = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]


class CaseFilters(Schema):
    state: choices.CaseState | None = Field(None, description="案件状态")
    department: Code | None = Field(None, description="责任部门编码（codes/data/departments.csv）")
    zone: Code | None = Field(None, description="园区编码（含下级园区）")
    overdue: bool = Field(False, description="只看逾期")


class CaseTargets(Schema):
    free_mu: float | None = Field(None, ge=0, description="目标腾退（亩）")
    tax_per_mu: float | None = Field(None, ge=0, description="目标亩均税收（万元/亩）")
    demolish_m2: float | None = Field(None, ge=0, description="目标拆除建筑（平方米）")
    add_floor_m2: float | None = Field(None, ge=0, description="目标新增建筑面积（平方米）")


class CaseCreate(Schema):
    title: Text
    credit_code: Code | None = Field(None, description="企业统一社会信用代码（与地块编码至少填一项）")
    parcel_code: Code | None = Field(None, description="地块编码")
    list_entry: int | None = Field(None, description="来源清单条目编号")
    lead_department: Code
    departments: list[Code] = Field(default_factory=list, description="责任部门编码（每个都须验收）")
    deadline: dt.date
    workflow: Code = Field("case", description="流程：case 或步骤模板 chemical_restoration")
    disposition: choices.Disposition | Literal[""] = ""
    measures: LongText = ""
    targets: CaseTargets = Field(default_factory=CaseTargets)


class CaseTransition(Schema):
    action: Code = Field(description="操作：dispatch、accept、submit、close、return、extend")
    comment: LongText = Field("", description="说明；退回、延期须写理由，销号须写验收记录")
    new_deadline: dt.date | None = Field(None, description="延期的新期限（晚于原期限）")
    freed_mu: float | None = Field(None, ge=0, description="销号时实际腾退（亩），默认为目标腾退")
    version: int | None = Field(None, description="读取时的案件版本；已被他人更新则返回 409")


class CaseSignoffCreate(Schema):
    decision: choices.SignoffDecision
    comment: LongText = Field("", description="验收记录；不同意须写理由")


class CaseStepDone(Schema):
    note: LongText = ""


class CaseEventPublic(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None
    role: str
    department: str
    comment: str
    deadline_before: dt.date | None
    deadline_after: dt.date | None
    at: dt.datetime
    attachments: list[int]


class CaseSignoffPublic(Schema):
    round: int
    department: str
    decision: str
    comment: str
    actor: str | None
    at: dt.datetime


class CaseStepPublic(Schema):
    order: int
    code: str
    name: str
    department: str
    status: str
    done_on: dt.date | None


class CaseActionPublic(Schema):
    kind: str
    code: str
    label: str
    blocked: list[str]


class CasePublic(Schema):
    number: str
    title: str
    workflow: str
    state: str
    state_label: str
    credit_code: str | None
    enterprise_name: str | None
    parcel_code: str | None
    zone: str
    disposition: str
    lead_department: str
    departments: list[str]
    deadline: dt.date
    original_deadline: dt.date | None
    overdue: bool
    round: int
    version: int
    targets: CaseTargets
    freed_mu: float | None
    closed_on: dt.date | None


class CaseDetail(CasePublic):
    measures: str
    acceptance_record: str
    events: list[CaseEventPublic]
    signoffs: list[CaseSignoffPublic]
    steps: list[CaseStepPublic]
    attachments: list[dict]
    actions: list[CaseActionPublic]


class CasePage(Schema):
    count: int
    items: list[CasePublic]
