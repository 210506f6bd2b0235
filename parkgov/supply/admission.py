"""准入联审 services: fill in an application, move it through the workflow (workflows/admission.yaml), the
departments' opinions, the committee's decision, documents, and carrying the commitments into the 标准地 contract.

Every change goes through one of these functions: each checks who may do it (the role's `supply` write domain,
the workflow table, the user's parks, the user's department for an opinion), refuses with a Chinese message naming
the application, its state and what is missing, and writes the change and its ApplicationEvent together (a
savepoint inside the caller's transaction). The application's `version` is claimed with a conditional UPDATE, so
a step made from a stale page fails (ConflictError). Services never commit.

Visibility: every role reading `supply` sees the applications of its parks (scoped_applications is the one
queryset of the list page, the export and the API list). The checks are computed when the application is
submitted and again on resubmission (supply/admission_checks.py over the zone's profile and the ledger).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.errors import ConflictError, InputError, NotFound
from parkgov.supply import admission_checks
from parkgov.supply.admission_fields import clean_fields
from parkgov.supply.admission_investor import investor_facts
from parkgov.supply.admission_rules import (REQUIREMENTS, admission_workflow, get_profile, negative_list,
                                            profile_for_zone, review_rules)
from parkgov.supply.choices import Opinion, Outcome
from parkgov.supply.models import AdmissionOpinion, Application, ApplicationDocument, ApplicationEvent

NUMBER_PREFIX = "ZR"
NUMBER_ATTEMPTS = 5
OPINION, DECIDE, CONTRACT, EDIT, DOCUMENT, CREATE = "opinion", "decide", "contract", "edit", "document", "create"


def listed(items) -> str:
    return "、".join(str(i) for i in items)


def scoped_applications(*, scope):
    """The applications `scope` may read: role reads `supply`, application in the user's parks."""
    scope.require("supply")
    return scope.filter_zones(Application.objects.all(), "zone_id")


def scoped_application(*, scope, number: str) -> Application:
    """One application by number within scope; NotFound otherwise (one outside the parks is not revealed)."""
    found = scoped_applications(scope=scope).select_related("zone", "enterprise", "parcel").filter(
        number=number).first()
    if found is None:
        raise NotFound(gettext("准入申请 %(number)s 不存在或不在您的数据范围内") % {"number": number})
    return found


def create_application(*, actor, scope, zone, documents=(), document_kind="", **fields) -> Application:
    """A new application in 草稿, numbered ZR-<year>-<sequence>, with the zone's threshold profile; the fields
    are checked (credit codes by GB 32100, industry in GB/T 4754, numbers in range: InputError naming each)."""
    flow = admission_workflow()
    _require_editor(scope, flow, what=gettext("填报准入申请"))
    if zone is None or (scope.zone_ids is not None and zone.pk not in scope.zone_ids):
        raise PermissionDenied(gettext("拟落地园区不在您的园区范围内，不能填报"))
    cleaned = clean_fields(fields)
    application = Application(zone=zone, threshold_profile=profile_for_zone(zone).id, submitted_by=actor,
                              state=flow.states[0].code, **cleaned)
    application.enterprise = _enterprise(cleaned["investor_credit_code"])
    application._history_user = actor
    with transaction.atomic():
        _insert_numbered(application)
        _event(application, action=CREATE, actor=actor, scope=scope, to_state=application.state)
        _store_documents(documents, application=application, actor=actor, kind=document_kind)
    return application


def edit_application(*, application, actor, scope, **fields) -> Application:
    """Change the fields of an application in 草稿 or 退回补正 (workflow `editable_states`)."""
    flow = admission_workflow()
    _require_in_scope(application, scope)
    _require_editor(scope, flow, what=gettext("修改准入申请"))
    if application.state not in flow.editable_states:
        raise InputError(gettext("无法修改：准入申请 %(number)s 处于“%(state)s”，只有处于“%(allowed)s”时才能修改") % {
            "number": application.number, "state": _state_label(application.state),
            "allowed": listed(_state_label(s) for s in flow.editable_states)})
    cleaned = clean_fields(fields)
    with transaction.atomic():
        _claim(application)
        for name, value in cleaned.items():
            setattr(application, name, value)
        application.enterprise = _enterprise(cleaned["investor_credit_code"])
        application._history_user = actor
        application.save()
        _event(application, action=EDIT, actor=actor, scope=scope, from_state=application.state,
               to_state=application.state)
    return application


def add_documents(*, application, actor, scope, uploads, kind="") -> list:
    """Upload documents (可研报告, 环评 …) to an application that may still be edited; each is checked by its
    content like evidence (PNG, JPEG, WebP or PDF, size limit)."""
    flow = admission_workflow()
    _require_in_scope(application, scope)
    _require_editor(scope, flow, what=gettext("上传申报材料"))
    if flow.is_final(application.state) or application.state == "decided":
        raise InputError(gettext("准入申请 %(number)s 处于“%(state)s”，不能再上传材料") % {
            "number": application.number, "state": _state_label(application.state)})
    if not uploads:
        raise InputError(gettext("请选择要上传的申报材料"))
    with transaction.atomic():
        stored = _store_documents(uploads, application=application, actor=actor, kind=kind)
        _event(application, action=DOCUMENT, actor=actor, scope=scope, from_state=application.state,
               to_state=application.state, comment="、".join(d.original_name for d in stored))
    return stored


def transition(*, application, action, actor, scope, comment="") -> ApplicationEvent:
    """Make `action` (submit, start_review, return, resubmit, withdraw) on the application as read: who, state
    and requirements checked; submit and resubmit compute the checks; resubmit starts a new round."""
    flow = admission_workflow()
    step = flow.transition(action)
    if step is None or action in (DECIDE, CONTRACT):
        allowed = listed(f"{t.action}（{gettext(t.label)}）" for t in flow.transitions
                         if t.action not in (DECIDE, CONTRACT))
        raise InputError(gettext("未知的准入申请操作“%(action)s”；允许：%(allowed)s") % {
            "action": action, "allowed": allowed})
    comment = (comment or "").strip()
    _require_step(application, step, scope=scope, comment=comment)
    with transaction.atomic():
        _claim(application)
        before = application.state
        application.state = step.to
        if step.new_round:
            application.round += 1
        if action in ("submit", "resubmit"):
            application.checks = compute_checks(application)
        application._history_user = actor
        application._change_reason = f"{gettext(step.label)}：{comment}" if comment else gettext(step.label)
        application.save()
        return _event(application, action=action, actor=actor, scope=scope, from_state=before,
                      to_state=application.state, comment=comment)


def compute_checks(application) -> list:
    """The checks of the application now: its zone's profile (as recorded on it), the negative list, the
    investor's and related firms' record in the ledger."""
    rules = review_rules()
    facts = investor_facts(credit_codes=[application.investor_credit_code, *application.related_credit_codes],
                           rules=rules)
    return admission_checks.all_checks(application, profile=get_profile(application.threshold_profile),
                                       negative=negative_list(), rules=rules, facts=facts)


def give_opinion(*, application, actor, scope, decision, comment="") -> AdmissionOpinion:
    """The user's department's opinion in the current round: 同意, 不同意 or 需补正 (the last two with a comment);
    once per department and round. 需补正 sends the application back (退回补正)."""
    flow, departments = admission_workflow(), review_rules().departments
    _require_in_scope(application, scope)
    scope.require("supply", write=True)
    if scope.department not in departments:
        raise PermissionDenied(gettext("您的部门（%(department)s）不是联审部门，不能签署联审意见；联审部门：%(allowed)s") % {
            "department": _department_label(scope.department) or gettext(scope.role_name),
            "allowed": listed(_department_label(d) for d in departments)})
    if application.state not in flow.opinion_states:
        raise InputError(gettext("无法签署意见：准入申请 %(number)s 处于“%(state)s”，只有处于“%(allowed)s”时才能签署") % {
            "number": application.number, "state": _state_label(application.state),
            "allowed": listed(_state_label(s) for s in flow.opinion_states)})
    if decision not in Opinion.values:
        raise InputError(gettext("联审意见“%(value)s”无效；允许：%(allowed)s") % {
            "value": decision, "allowed": listed(f"{c}（{label}）" for c, label in Opinion.choices)})
    comment = (comment or "").strip()
    if decision != Opinion.APPROVE and not comment:
        raise InputError(gettext("“%(decision)s”须写明意见说明") % {"decision": Opinion(decision).label})
    if application.opinions.filter(round=application.round, department=scope.department).exists():
        raise InputError(gettext("%(department)s 已在第 %(round)s 轮签署意见，每个部门每轮只能签署一次") % {
            "department": _department_label(scope.department), "round": application.round})
    with transaction.atomic():
        _claim(application)
        opinion = AdmissionOpinion(application=application, round=application.round, department=scope.department,
                                   decision=decision, comment=comment, actor=actor)
        try:
            with transaction.atomic():
                opinion.save()
        except IntegrityError as exc:
            raise ConflictError(gettext("%(department)s 已签署本轮意见，请刷新页面") % {
                "department": _department_label(scope.department)}) from exc
        label = Opinion(decision).label
        _event(application, action=OPINION, actor=actor, scope=scope, from_state=application.state,
               to_state=application.state, comment=f"{label}：{comment}" if comment else str(label))
        if decision == Opinion.CHANGES:
            _return_for_changes(application, actor=actor, scope=scope, comment=comment)
    return opinion


def _return_for_changes(application, *, actor, scope, comment):
    step = admission_workflow().transition("return")
    before = application.state
    application.state = step.to
    application._history_user = actor
    application._change_reason = f"{gettext(step.label)}：{comment}"
    application.save()
    _event(application, action=step.action, actor=actor, scope=scope, from_state=before, to_state=step.to,
           comment=comment)


def round_opinions(application) -> list:
    """[(department code, AdmissionOpinion or None)] for every review department in the current round."""
    given = {o.department: o for o in application.opinions.filter(round=application.round).select_related("actor")}
    return [(code, given.get(code)) for code in review_rules().departments]


def allowed_outcomes(application) -> dict:
    """outcome code → list of why it is forbidden (empty = allowed), from the outcome rules (admission_review.yaml)
    over the failed check levels and this round's opinions."""
    present = admission_checks.failed_levels(application.checks)
    present |= {o.decision for _code, o in round_opinions(application) if o is not None}
    labels = {"block": gettext("有否决项未通过"), "warn": gettext("有提示项未通过"), "reject": gettext("有部门不同意"),
              "changes": gettext("有部门要求补正")}
    return {outcome: [labels[f] for f in rule.forbidden_by if f in present]
            for outcome, rule in review_rules().outcomes.items()}


def decide(*, application, actor, scope, outcome, comment="", conditions="", today=None) -> ApplicationEvent:
    """The committee's outcome 通过 / 有条件通过 / 不通过, refused when the rules forbid it for these checks and
    opinions; records every reason (each check that is not met, every opinion, the comment) and the conditions."""
    flow = admission_workflow()
    step = flow.transition(DECIDE)
    comment, conditions = (comment or "").strip(), (conditions or "").strip()
    if outcome not in Outcome.values:
        raise InputError(gettext("联审结论“%(value)s”无效；允许：%(allowed)s") % {
            "value": outcome, "allowed": listed(f"{c}（{label}）" for c, label in Outcome.choices)})
    _require_step(application, step, scope=scope, comment=comment)
    rule, label = review_rules().outcomes[outcome], Outcome(outcome).label
    why_not = allowed_outcomes(application)[outcome]
    if why_not:
        raise InputError(gettext("不能作出“%(outcome)s”的结论：%(why)s") % {"outcome": label, "why": "；".join(why_not)})
    if rule.requires_conditions and not conditions:
        raise InputError(gettext("“%(outcome)s”须写明附加条件") % {"outcome": label})
    if rule.requires_comment and not comment:
        raise InputError(gettext("“%(outcome)s”须写明理由") % {"outcome": label})
    with transaction.atomic():
        _claim(application)
        before = application.state
        application.state, application.outcome, application.conditions = step.to, outcome, conditions
        application.outcome_reasons = outcome_reasons(application, comment=comment)
        application.decided_on = today or timezone.localdate()
        application._history_user = actor
        application._change_reason = f"{label}：{comment}" if comment else str(label)
        application.save()
        return _event(application, action=DECIDE, actor=actor, scope=scope, from_state=before,
                      to_state=application.state, comment=f"{label}：{comment}" if comment else str(label))


def outcome_reasons(application, *, comment="") -> list:
    """Every reason of the outcome: each check (not met first), each opinion of the round, the comment."""
    checks = sorted(application.checks, key=lambda c: {"block": 0, "warn": 1, "unchecked": 2}.get(c["level"], 3))
    reasons = [{"kind": c["kind"], "code": c["code"], "level": c["level"], "text": c["reason"]} for c in checks]
    for code, opinion in round_opinions(application):
        if opinion is not None:
            reasons.append({"kind": "opinion", "code": code, "level": opinion.decision,
                            "text": f"{_department_label(code)}：{Opinion(opinion.decision).label}"
                                    + (f"（{opinion.comment}）" if opinion.comment else "")})
    if comment:
        reasons.append({"kind": "committee", "code": "comment", "level": "", "text": comment})
    return reasons


def withdraw(*, application, actor, scope, comment) -> ApplicationEvent:
    """撤回 (with a reason)."""
    return transition(application=application, action="withdraw", actor=actor, scope=scope, comment=comment)


def available_actions(*, application, scope) -> list:
    """(action code, label) the user may take now, for the buttons (the services check again)."""
    flow = admission_workflow()
    if not scope.can_write("supply") or (scope.zone_ids is not None and application.zone_id not in scope.zone_ids):
        return []
    actions = []
    for step in flow.transitions:
        if application.state in step.from_ and _admits(step, scope) and step.action != "return":
            if step.action != CONTRACT or application.outcome in (Outcome.APPROVED, Outcome.CONDITIONAL):
                actions.append((step.action, gettext(step.label)))
    if application.state in flow.opinion_states and scope.department in review_rules().departments \
            and not application.opinions.filter(round=application.round, department=scope.department).exists():
        actions.append((OPINION, gettext("签署联审意见")))
    if application.state in flow.editable_states and scope.role in flow.edit_by:
        actions.append((EDIT, gettext("修改申请")))
    return actions


def record_event(application, **kwargs) -> ApplicationEvent:
    """Write one ApplicationEvent (for the contract service in admission_contract)."""
    return _event(application, **kwargs)


def require_step(application, step, *, scope, comment="") -> None:
    """Refuse unless `scope` may make `step` on the application now (for admission_contract)."""
    _require_step(application, step, scope=scope, comment=comment)


def claim(application) -> None:
    _claim(application)


def _require_step(application, step, *, scope, comment):
    label = gettext(step.label)
    _require_in_scope(application, scope)
    scope.require("supply", write=True)
    if not _admits(step, scope):
        who = [gettext(_role_name(r)) for r in step.by] + ([gettext("联审部门")] if step.departments else [])
        raise PermissionDenied(gettext("角色“%(role)s”不能%(action)s（可%(action)s：%(who)s）") % {
            "role": gettext(scope.role_name), "action": label, "who": listed(who)})
    if application.state not in step.from_:
        raise InputError(gettext("无法%(action)s：准入申请 %(number)s 处于“%(state)s”，只有处于“%(allowed)s”时才能%(action)s") % {
            "action": label, "number": application.number, "state": _state_label(application.state),
            "allowed": listed(_state_label(s) for s in step.from_)})
    missing = []
    if "reason" in step.requires and not comment:
        missing.append(gettext(REQUIREMENTS["reason"]))
    if "opinions" in step.requires:
        missing += [gettext("%(department)s 第 %(round)s 轮的意见") % {"department": _department_label(code),
                                                                   "round": application.round}
                    for code, opinion in round_opinions(application) if opinion is None]
    if "outcome" in step.requires and application.outcome not in (Outcome.APPROVED, Outcome.CONDITIONAL):
        missing.append(gettext(REQUIREMENTS["outcome"]))
    if missing:
        raise InputError(gettext("无法%(action)s：准入申请 %(number)s 处于“%(state)s”，缺少%(missing)s") % {
            "action": label, "number": application.number, "state": _state_label(application.state),
            "missing": "；".join(missing)})


def _admits(step, scope) -> bool:
    return scope.role in step.by or (step.departments and scope.department in review_rules().departments)


def _require_editor(scope, flow, *, what):
    scope.require("supply", write=True)
    if scope.role not in flow.edit_by:
        raise PermissionDenied(gettext("角色“%(role)s”不能%(action)s（可%(action)s：%(who)s）") % {
            "role": gettext(scope.role_name), "action": what,
            "who": listed(gettext(_role_name(r)) for r in flow.edit_by)})


def _require_in_scope(application, scope):
    if scope.zone_ids is not None and application.zone_id not in scope.zone_ids:
        raise NotFound(gettext("准入申请 %(number)s 不存在或不在您的数据范围内") % {"number": application.number})


def _role_name(code) -> str:
    from parkgov.accounts.scopes import role_table

    return role_table()["roles"][code]["name"]


def _state_label(code) -> str:
    return gettext(admission_workflow().state(code).label)


def _department_label(code) -> str:
    from parkgov.codes.tables import code_table

    return gettext(code_table("departments").label(code)) if code else ""


def department_label(code) -> str:
    """The department's Chinese name (translated)."""
    return _department_label(code)


def _enterprise(credit_code):
    from parkgov.ledger.models import Enterprise

    return Enterprise.objects.filter(credit_code=credit_code).first()


def _event(application, *, action, actor, scope, from_state="", to_state="", comment="") -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=application, action=action, from_state=from_state,
                                           to_state=to_state, actor=actor, role=scope.role,
                                           department=scope.department, comment=comment)


def _store_documents(uploads, *, application, actor, kind) -> list:
    from parkgov.governance.evidence import store_file

    kind = (kind or "").strip()[:40] or gettext("申报材料")
    return [ApplicationDocument.objects.create(application=application, kind=kind, uploaded_by=actor,
                                               **store_file(upload=u)) for u in uploads or ()]


def _claim(application):
    """Bump the version if nobody changed the application since it was read; ConflictError otherwise."""
    updated = Application.objects.filter(pk=application.pk, version=application.version).update(
        version=F("version") + 1)
    if not updated:
        raise ConflictError(gettext("准入申请 %(number)s 已被他人更新，请刷新页面后重试") % {"number": application.number})
    application.version += 1


def _insert_numbered(application):
    """Save with the next number of the year (ZR-<year>-<4 digits>); a concurrent filing that took the number
    first makes the unique constraint refuse ours, and the next number is tried (in a savepoint)."""
    prefix = f"{NUMBER_PREFIX}-{timezone.localdate().year}-"
    for _attempt in range(NUMBER_ATTEMPTS):
        last = (Application.objects.filter(number__startswith=prefix).annotate(length=Length("number"))
                .order_by("-length", "-number").values_list("number", flat=True).first())
        application.number = f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:04d}"
        try:
            with transaction.atomic():
                application.save(force_insert=True)
            return
        except IntegrityError:
            application.pk = None
    raise ConflictError(gettext("申请编号分配冲突，请稍后重试"))


def as_date(value, *, label) -> dt.date | None:
    """A date or None; InputError naming the field otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(gettext("%(label)s应为日期（如 2026-03-01），实为“%(value)s”") % {
            "label": label, "value": value}) from exc
