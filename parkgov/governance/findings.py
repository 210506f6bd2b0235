"""Findings (检查发现) recorded in the web and the API: one scoped queryset and the services that write them.

Invariant: every path that shows, exports or serves a finding or its evidence — the web list and its export,
the API list, the dossiers, the admin and the attachment download — starts from `scoped_findings`, so a
department sees only its categories (roles.yaml `finding_categories`) and, where `own_findings_only`, its own
department's findings, and a park-scoped user only findings of a firm or parcel in its parks. A user writes
only findings it sees, of a category it may record (`writable_categories`), on firms and parcels of its parks.

Status moves by the transition table in data/finding_transitions.yaml. The services take keyword-only
arguments, check everything before writing and never commit (the caller owns the transaction); every change
is kept by the finding's history (django-simple-history) with the actor and a reason.
"""

import datetime as dt
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from pydantic import BaseModel, ConfigDict, Field

from parkgov.codes.datafiles import load_validated
from parkgov.codes.tables import code_table
from parkgov.errors import ConfigError, InputError, NotFound
from parkgov.ledger.choices import FindingCategory, FindingStatus, Severity
from parkgov.ledger.models import Enterprise, Finding, Parcel

TRANSITIONS_FILE = Path(__file__).resolve().parent / "data" / "finding_transitions.yaml"
EDITABLE = ("category", "severity", "found_on", "description", "legal_basis", "deadline", "rectifiable",
            "enterprise", "parcel")


class Transition(BaseModel):
    """One allowed status change: its action code, Chinese name, the states it leaves and the state it reaches."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    action: str = Field(pattern=r"^[a-z_]+$")
    name: str = Field(min_length=1)
    from_: list[FindingStatus] = Field(alias="from", min_length=1)
    to: FindingStatus


class TransitionTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=4)
    verified: bool
    transitions: list[Transition] = Field(min_length=1)


@cache
def transition_table() -> dict[str, Transition]:
    """action → Transition from data/finding_transitions.yaml (ConfigError naming the file and path if invalid)."""
    table = load_validated(TRANSITIONS_FILE, TransitionTable, noun="检查发现状态表", error=ConfigError)
    return {t.action: t for t in table.transitions}


def available_actions(*, finding, scope) -> list[Transition]:
    """The status changes `scope` may make on `finding` now (for buttons)."""
    if not may_write_finding(finding=finding, scope=scope):
        return []
    return [t for t in transition_table().values() if finding.status in t.from_]


def scoped_findings(*, scope):
    """The findings `scope` may read (none without read access to the domain `finding`)."""
    rows = Finding.objects.all()
    if not scope.can_read("finding"):
        return rows.none()
    if scope.finding_categories is not None:
        rows = rows.filter(category__in=sorted(scope.finding_categories))
    if scope.own_findings_only:
        rows = rows.filter(department=scope.department)
    if scope.zone_ids is not None:
        firms = scope.filter_zones(Enterprise.objects.all(), "zone_id").values("id")
        parcels = scope.filter_zones(Parcel.objects.all(), "zone_id").values("id")
        rows = rows.filter(Q(enterprise_id__in=firms) | Q(parcel_id__in=parcels))
    return rows


def is_overdue(finding, *, today) -> bool:
    """A finding not closed whose deadline (整改期限) has passed."""
    return finding.deadline is not None and finding.status != FindingStatus.CLOSED and finding.deadline < today


def department_name(code) -> str:
    """The department's name in the page's language (the names are in web/data_labels.py for the catalogue)."""
    label = code_table("departments").label(code)
    return gettext(label) if label else code or ""


def writable_categories(scope) -> list[str]:
    """The categories `scope` may record (none without write access to `finding`)."""
    if not scope.can_write("finding"):
        return []
    return [c for c in FindingCategory.values if scope.finding_categories is None or c in scope.finding_categories]


def may_write_finding(*, finding, scope) -> bool:
    """Whether `scope` may edit or close `finding`: it sees it and may record its category."""
    return finding.category in writable_categories(scope) and \
        scoped_findings(scope=scope).filter(pk=finding.pk).exists()


def finding_for(*, scope, pk, write=False) -> Finding:
    """The finding `pk` as `scope` may read it (NotFound otherwise: one answer for missing and out of scope);
    with `write`, PermissionDenied when it may read but not edit it. PermissionDenied first for a role that does
    not read (or write) findings at all."""
    scope.require("finding", write=write)
    finding = scoped_findings(scope=scope).select_related("enterprise", "parcel").filter(pk=pk).first()
    if finding is None:
        raise NotFound(gettext("没有编号为 %(pk)s 的检查发现，或无权查看") % {"pk": pk})
    if write and not may_write_finding(finding=finding, scope=scope):
        raise PermissionDenied(gettext("角色“%(role)s”无权修改这条检查发现") % {"role": gettext(scope.role_name)})
    return finding


def scoped_enterprise(*, scope, credit_code):
    """The firm with `credit_code` in the user's parks; InputError naming the code when it is unknown or outside."""
    code = (credit_code or "").strip().upper()
    enterprise = scope.filter_zones(Enterprise.objects.filter(credit_code=code)).first() if code else None
    if enterprise is None:
        raise InputError(gettext("统一社会信用代码“%(code)s”：没有这家企业，或它不在您的园区范围内") % {"code": code})
    return enterprise


def scoped_parcel(*, scope, parcel_code):
    """The parcel with `parcel_code` in the user's parks; InputError naming the code when it is unknown or outside."""
    code = (parcel_code or "").strip()
    parcel = scope.filter_zones(Parcel.objects.defer("geometry").filter(code=code)).first() if code else None
    if parcel is None:
        raise InputError(gettext("地块编码“%(code)s”：没有这个地块，或它不在您的园区范围内") % {"code": code})
    return parcel


def create_finding(*, actor, scope, category, severity, found_on, enterprise=None, parcel=None, description="",
                   legal_basis="", deadline=None, rectifiable=None, department=None, attachments=()) -> Finding:
    """Record a finding in the user's department (a role that is not a department names one in `department`),
    with its evidence files; refused before anything is written when a rule is broken."""
    scope.require("finding", write=True)
    finding = Finding(department=_department(scope, department), status=FindingStatus.OPEN)
    _apply(finding, scope, category=category, severity=severity, found_on=found_on, enterprise=enterprise,
           parcel=parcel, description=description, legal_basis=legal_basis, deadline=deadline,
           rectifiable=rectifiable)
    _check_uploads(attachments)
    _save(finding, actor, _chinese(gettext_noop("新增检查发现")))
    add_evidence(finding=finding, actor=actor, scope=scope, uploads=attachments, record=False)
    return finding


def update_finding(*, finding, actor, scope, attachments=(), **changes) -> Finding:
    """Change the fields named in `changes` (of EDITABLE) of an open or rectifying finding and add evidence."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise TypeError(f"update_finding: unknown fields {unknown}")
    finding = finding_for(scope=scope, pk=finding.pk, write=True)
    if finding.status == FindingStatus.CLOSED:
        raise InputError(gettext("这条检查发现已销号，不能修改；如需修改请先重新打开"))
    fields = {name: changes.get(name, getattr(finding, name)) for name in EDITABLE}
    _apply(finding, scope, **fields)
    _check_uploads(attachments)
    _save(finding, actor, _chinese(gettext_noop("修改检查发现")))
    add_evidence(finding=finding, actor=actor, scope=scope, uploads=attachments, record=False)
    return finding


def change_status(*, finding, actor, scope, action, closed_on=None, note="") -> Finding:
    """Apply the transition `action` (finding_transitions.yaml); `close` records `closed_on` (default today),
    `reopen` clears it."""
    finding = finding_for(scope=scope, pk=finding.pk, write=True)
    transition = transition_table().get(action)
    if transition is None:
        raise InputError(gettext("未知操作“%(action)s”；可用：%(allowed)s")
                         % {"action": action, "allowed": gettext("、").join(transition_table())})
    if finding.status not in transition.from_:
        raise InputError(gettext("状态为“%(status)s”的检查发现不能“%(action)s”") % {
            "status": FindingStatus(finding.status).label, "action": gettext(transition.name)})
    if transition.to == FindingStatus.CLOSED:
        closed_on = closed_on or timezone.localdate()
        _check_date(closed_on, gettext("销号日期"), not_before=finding.found_on)
        finding.closed_on = closed_on
    else:
        finding.closed_on = None
    finding.status = transition.to
    reason = transition.name + (f"：{note.strip()}" if note and note.strip() else "")  # Chinese, as in the data
    _save(finding, actor, reason)
    return finding


def close_finding(*, finding, actor, scope, closed_on=None, note="") -> Finding:
    """销号: the finding is rectified; `closed_on` defaults to today."""
    return change_status(finding=finding, actor=actor, scope=scope, action="close", closed_on=closed_on, note=note)


def add_evidence(*, finding, actor, scope, uploads, record=True) -> list:
    """Store each upload (evidence.store_attachment) on `finding`; with `record`, a history row names them."""
    from parkgov.governance.evidence import store_attachment

    if not uploads:
        return []
    if record:
        finding = finding_for(scope=scope, pk=finding.pk, write=True)
    _check_uploads(uploads)
    stored = [store_attachment(upload=upload, actor=actor, finding=finding) for upload in uploads]
    if record:
        names = "、".join(a.original_name for a in stored)
        _save(finding, actor, _chinese(gettext_noop("上传证据材料：%(names)s"), names=names))
    return stored


def _check_uploads(uploads):
    """Every file checked before the first is stored (or the finding saved): a refused one leaves nothing."""
    from parkgov.governance.evidence import check_upload

    for upload in uploads:
        check_upload(upload)


def _department(scope, department):
    if scope.own_findings_only or not department:
        department = scope.department
    if department not in code_table("departments"):
        raise InputError(gettext("请选择记录检查发现的部门（“%(value)s”不是部门编码；可选：%(allowed)s）") % {
            "value": department, "allowed": gettext("、").join(code_table("departments").entries)})
    return department


def _apply(finding, scope, *, category, severity, found_on, enterprise, parcel, description, legal_basis,
           deadline, rectifiable):
    """Check the values against the rules and the user's scope, then set them on `finding` (not saved)."""
    allowed = writable_categories(scope)
    if category not in FindingCategory.values:
        raise InputError(gettext("类别“%(value)s”无效；可选：%(allowed)s") % {
            "value": category, "allowed": gettext("、").join(str(label) for label in FindingCategory.labels)})
    if category not in allowed:
        raise PermissionDenied(gettext("角色“%(role)s”不能记录“%(category)s”类检查发现（可记录：%(allowed)s）") % {
            "role": gettext(scope.role_name), "category": FindingCategory(category).label,
            "allowed": gettext("、").join(str(FindingCategory(c).label) for c in allowed)})
    if severity not in Severity.values:
        raise InputError(gettext("严重程度“%(value)s”无效；可选：%(allowed)s") % {
            "value": severity, "allowed": gettext("、").join(str(label) for label in Severity.labels)})
    if enterprise is None and parcel is None:
        raise InputError(gettext("检查发现须关联企业或地块（至少一项）"))
    for subject, before in ((enterprise, finding.enterprise_id), (parcel, finding.parcel_id)):
        if subject is None or subject.pk == before:
            continue  # a finding the user sees may keep a subject outside its parks it did not choose
        if scope.zone_ids is not None and subject.zone_id not in scope.zone_ids:
            raise PermissionDenied(gettext("“%(subject)s”不在您的园区范围内") % {"subject": subject})
    _check_date(found_on, gettext("发现日期"))
    if deadline is not None:
        if not isinstance(deadline, dt.date):
            raise InputError(gettext("整改期限应为日期"))
        if deadline < found_on:
            raise InputError(gettext("整改期限 %(deadline)s 早于发现日期 %(found)s") % {
                "deadline": deadline.isoformat(), "found": found_on.isoformat()})
    if rectifiable not in (None, True, False):
        raise InputError(gettext("“可整改达标”应为是、否或空"))
    finding.category, finding.severity, finding.found_on = category, severity, found_on
    finding.enterprise, finding.parcel = enterprise, parcel
    finding.description, finding.legal_basis = (description or "").strip(), (legal_basis or "").strip()
    finding.deadline, finding.rectifiable = deadline, rectifiable


def _check_date(value, label, *, not_before=None):
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InputError(gettext("%(label)s应为日期") % {"label": label})
    today = timezone.localdate()
    if value > today:
        raise InputError(gettext("%(label)s %(value)s 晚于今天") % {"label": label, "value": value.isoformat()})
    if not_before is not None and value < not_before:
        raise InputError(gettext("%(label)s %(value)s 早于发现日期 %(found)s") % {
            "label": label, "value": value.isoformat(), "found": not_before.isoformat()})


def _chinese(text, **values) -> str:
    """`text` in the site's language: history reasons are kept in Chinese (like the import's), whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(text) % values if values else gettext(text)


def _save(finding, actor, reason):
    finding._history_user = actor
    finding._change_reason = reason
    finding.save()
