"""Finding endpoints that write: record, change, move the status of a finding and upload its evidence.

The same services as the web pages (parkgov.governance.findings), so the same scope: a department writes
only its categories in its own name, on firms and parcels of its parks; a finding outside the caller's scope
is a 404. Each request is one transaction: a refused request writes nothing.
"""

from django.db import transaction
from django.urls import reverse
from ninja import File, Path, Router, Status, UploadedFile

from parkgov.api import ledger
from parkgov.api.auth import scope_of
from parkgov.api.finding_schemas import (
    AttachmentPublic, FindingCreate, FindingDetail, FindingStatusChange, FindingUpdate,
)
from parkgov.api.schemas import ErrorResponse, responses
from parkgov.governance import findings as services

TAGS = ["检查发现"]
router = Router(tags=TAGS)


# on the ledger's router, which has GET /findings: django-ninja serves one path from one router only
@ledger.router.post("/findings", response=responses(201, FindingDetail), summary="新增检查发现", tags=TAGS)
def create_finding(request, payload: FindingCreate):
    """以本部门名义记录一条检查发现（类别须为本角色可记录的类别，企业、地块须在您的园区内）。"""
    scope = scope_of(request)
    data = payload.dict()
    with transaction.atomic():
        subjects = _subjects(scope, data, current=None)
        finding = services.create_finding(actor=request.auth, scope=scope, **subjects, **data)
    return Status(201, finding_detail(finding))


@router.get("/findings/{finding_id}", response=responses(200, FindingDetail), summary="单条检查发现及其证据材料")
def get_finding(request, finding_id: Path[int]):
    """一条检查发现（您可查看的范围内），含证据材料的下载地址。"""
    return finding_detail(services.finding_for(scope=scope_of(request), pk=finding_id))


@router.patch("/findings/{finding_id}", response=responses(200, FindingDetail), summary="修改检查发现")
def update_finding(request, finding_id: Path[int], payload: FindingUpdate):
    """只修改请求中给出的字段；已销号的发现须先重新打开。"""
    scope = scope_of(request)
    changes = payload.dict(exclude_unset=True)
    with transaction.atomic():
        finding = services.finding_for(scope=scope, pk=finding_id, write=True)
        changes.update(_subjects(scope, changes, current=finding))
        finding = services.update_finding(finding=finding, actor=request.auth, scope=scope, **changes)
    return finding_detail(finding)


@router.post("/findings/{finding_id}/status", response=responses(200, FindingDetail), summary="整改、销号或重新打开")
def change_finding_status(request, finding_id: Path[int], payload: FindingStatusChange):
    """按状态流转表（finding_transitions.yaml）变更状态：start 待整改→整改中，close 销号（记录销号日期），
    reopen 已销号→整改中。"""
    scope = scope_of(request)
    with transaction.atomic():
        finding = services.finding_for(scope=scope, pk=finding_id, write=True)
        finding = services.change_status(finding=finding, actor=request.auth, scope=scope, **payload.dict())
    return finding_detail(finding)


@router.get("/findings/{finding_id}/attachments", response=responses(200, list[AttachmentPublic]), summary="证据材料列表")
def list_finding_attachments(request, finding_id: Path[int]):
    """一条检查发现的证据材料（您可查看的范围内）。"""
    finding = services.finding_for(scope=scope_of(request), pk=finding_id)
    return [attachment_public(a) for a in finding.attachments.all()]


@router.post("/findings/{finding_id}/attachments", response={**responses(201, list[AttachmentPublic]), 413: ErrorResponse},
             summary="上传证据材料")
def upload_finding_attachments(request, finding_id: Path[int], files: File[list[UploadedFile]]):
    """上传一个或多个证据文件（字段名 files）：只接受 PNG、JPEG、WebP 图片和 PDF，按文件内容判断，单个文件大小
    有上限；任一文件不合格则一个也不保存。"""
    scope = scope_of(request)
    with transaction.atomic():
        finding = services.finding_for(scope=scope, pk=finding_id, write=True)
        stored = services.add_evidence(finding=finding, actor=request.auth, scope=scope, uploads=files)
    return Status(201, [attachment_public(a) for a in stored])


def _subjects(scope, data, *, current) -> dict:
    """`credit_code` / `parcel_code` of the payload (popped) as the enterprise / parcel arguments."""
    found = {}
    for key, field, lookup, code_of in (
            ("credit_code", "enterprise", services.scoped_enterprise, lambda e: e.credit_code),
            ("parcel_code", "parcel", services.scoped_parcel, lambda p: p.code)):
        if key not in data:
            continue
        code = data.pop(key)
        kept = getattr(current, field, None)
        if not code:
            found[field] = None
        elif kept is not None and code_of(kept) == code.strip():
            found[field] = kept
        else:
            found[field] = lookup(scope=scope, **{key: code})
    return found


def attachment_public(attachment) -> dict:
    return {"id": attachment.pk, "original_name": attachment.original_name, "content_type": attachment.content_type,
            "size": attachment.size, "sha256": attachment.sha256, "uploaded_at": attachment.uploaded_at,
            "url": reverse("governance:attachment", args=[attachment.pk])}


def finding_detail(finding) -> dict:
    enterprise, parcel = finding.enterprise, finding.parcel
    return {"id": finding.pk, "credit_code": enterprise.credit_code if enterprise else None,
            "enterprise_name": enterprise.name if enterprise else None, "parcel_code": parcel.code if parcel else None,
            **{name: getattr(finding, name) for name in ("department", "category", "severity", "found_on",
                                                         "description", "status", "legal_basis", "deadline",
                                                         "rectifiable", "closed_on")},
            "attachments": [attachment_public(a) for a in finding.attachments.all()]}
