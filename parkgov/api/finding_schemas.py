"""Request and response schemas of the finding endpoints (parkgov/api/findings.py), named for their use."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from parkgov.api.schemas import Code, FindingPublic, Text
from parkgov.ledger import choices

# free text over several lines: no control characters other than tab and newline (PostgreSQL refuses NUL)
LongText = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]


class FindingCreate(Schema):
    credit_code: Code | None = Field(None, description="企业统一社会信用代码（与地块编码至少填一项，须在您的园区内）")
    parcel_code: Code | None = Field(None, description="地块编码")
    department: Code | None = Field(None, description="记录部门编码（仅非部门角色如管理员需要；部门角色总是本部门）")
    category: choices.FindingCategory
    severity: choices.Severity
    found_on: dt.date
    description: LongText = ""
    legal_basis: LongText = Field("", description="法律依据")
    deadline: dt.date | None = Field(None, description="整改期限")
    rectifiable: bool | None = Field(None, description="可整改达标（空 = 未判定）")


class FindingUpdate(Schema):
    """Only the fields given change; `credit_code` or `parcel_code` null removes that subject."""

    credit_code: Code | None = None
    parcel_code: Code | None = None
    category: choices.FindingCategory | None = None
    severity: choices.Severity | None = None
    found_on: dt.date | None = None
    description: LongText | None = None
    legal_basis: LongText | None = None
    deadline: dt.date | None = None
    rectifiable: bool | None = None


class FindingStatusChange(Schema):
    action: Code = Field(description="start（开始整改）、close（销号）或 reopen（重新打开）")
    closed_on: dt.date | None = Field(None, description="销号日期（close 时，默认今天）")
    note: Text = ""


class AttachmentPublic(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(description="下载地址（同样按数据范围）")


class FindingDetail(FindingPublic):
    legal_basis: str
    deadline: dt.date | None
    rectifiable: bool | None
    closed_on: dt.date | None
    attachments: list[AttachmentPublic]
