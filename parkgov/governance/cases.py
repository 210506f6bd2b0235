"""一地一企一策 cases: open, move through the workflow (workflows/*.yaml), sign off, complete template steps.

Every change goes through one of these services: each checks who may do it (the workflow table, the role's
`case` write domain, the parks of the user's scope, whether the user's department is named on the case) and
what it needs, refuses with a Chinese message naming the action, the case's state and what is missing, and
writes the change and its CaseEvent together (one `transaction.atomic` block, a savepoint inside the caller's
transaction). The case's `version` is claimed with a conditional UPDATE, so a change made from a stale page
fails (ConflictError) instead of overwriting someone else's step.

Visibility (decided for issue 14): every role that reads `case` sees all cases in its parks, read-only; a
department acts only on cases that name it (and the 管委会 on the steps the table gives it). Services never
commit; the request, command or import that calls them owns the transaction.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from parkgov.errors import ConflictError, InputError, NotFound
from parkgov.governance import choices
from parkgov.governance.models import Case, CaseEvent, CaseSignoff, CaseStep
from parkgov.governance.signals import case_closed
from parkgov.governance.workflow import REQUIREMENTS, Workflow, get_workflow

NUMBER_PREFIX = "ZL"
TARGET_FIELDS = {"free_mu": "target_free_mu", "tax_per_mu": "target_tax_per_mu",
                 "demolish_m2": "target_demolish_m2", "add_floor_m2": "target_add_floor_m2"}
NUMBER_ATTEMPTS = 5
REQUIREMENT_LABELS = REQUIREMENTS  # names of the requirements as shown in refusals (marked in workflow.py)
SIGN_OFF, STEP, EVIDENCE = "sign_off", "step", "evidence"
EVENT_LABELS = {STEP: gettext_noop("完成步骤"), EVIDENCE: gettext_noop("上传证据")}  # events that are not transitions


@dataclass(frozen=True)
class Action:
    """Something the user may do on a case now: a transition, the sign-off, or a template step. `blocked` lists
    what the case still lacks (e.g. sign-offs before 销号); the button is shown but explains it."""

    kind: str  # "transition" | "sign_off" | "step"
    code: str  # the action, "sign_off", or the step code
    label: str
    requires: tuple = ()
    blocked: tuple = ()


def scoped_cases(*, scope):
    """The cases `scope` may read: role reads `case`, case in the user's parks (every department sees all cases of
    its parks; acting is restricted per step)."""
    scope.require("case")
    return scope.filter_zones(Case.objects.all(), "zone_id")


def scoped_case(*, scope, number: str) -> Case:
    """One case by number within scope; NotFound otherwise (a case outside the parks is not revealed)."""
    case = scoped_cases(scope=scope).select_related("enterprise", "parcel", "zone").filter(number=number).first()
    if case is None:
        raise NotFound(gettext("案件 %(number)s 不存在或不在您的数据范围内") % {"number": number})
    return case


def is_overdue(case, *, today: dt.date) -> bool:
    """Past its deadline and not closed: overdue from the day after the deadline (dates to the day)."""
    return case.deadline < today and not get_workflow(case.workflow).is_final(case.state)


def open_case(*, actor, scope, title, departments, lead_department, deadline, enterprise=None, parcel=None,
              list_entry=None, disposition="", measures="", workflow="case", targets=None) -> Case:
    """立案: a case in the workflow's first state, numbered ZL-<year>-<sequence>; with a step template the
    template's steps are created and their departments join the case's departments."""
    from parkgov.codes.tables import code_table

    flow = get_workflow(workflow)
    scope.require("case", write=True)
    title = (title or "").strip()
    if not title:
        raise InputError(gettext("立案须填写案件标题"))
    known = code_table("departments").entries
    named = _departments([lead_department, *departments, *(s.department for s in flow.steps)], known)
    _require_who(flow.open.by, scope=scope, named=tuple(named), what=gettext(flow.open.label), case=None)
    if list_entry is not None:
        enterprise, parcel = enterprise or list_entry.enterprise, parcel or list_entry.parcel
    if enterprise is None and parcel is None:
        raise InputError(gettext("立案须指明企业或地块"))
    zone_id = parcel.zone_id if parcel is not None else enterprise.zone_id
    if scope.zone_ids is not None and zone_id not in scope.zone_ids:
        raise PermissionDenied(gettext("该企业或地块不在您的园区范围内，不能立案"))
    if not isinstance(deadline, dt.date):
        raise InputError(gettext("整改期限应为日期，实为“%(value)s”") % {"value": deadline})
    if disposition and disposition not in choices.Disposition.values:
        raise InputError(gettext("处置方式“%(value)s”无效；允许：%(allowed)s") % {
            "value": disposition, "allowed": listed(str(label) for label in choices.Disposition.labels)})
    case = Case(title=title[:200], workflow=flow.id, state=flow.states[0].code, enterprise=enterprise, parcel=parcel,
                zone_id=zone_id, list_entry=list_entry, disposition=disposition or "", measures=measures or "",
                lead_department=named[0], departments=named, deadline=deadline, opened_by=actor,
                **_targets(targets or {}))
    case._history_user = actor
    with transaction.atomic():
        _insert_numbered(case)
        for order, step in enumerate(flow.steps, start=1):
            CaseStep.objects.create(case=case, order=order, code=step.code, name=step.name,
                                    department=step.department)
        _event(case, action="open", actor=actor, scope=scope, to_state=case.state, comment=measures or "")
    return case


def transition(*, case, action, actor, scope, comment="", new_deadline=None, attachments=(), freed_mu=None,
               today=None) -> CaseEvent:
    """Make `action` (a transition of the case's workflow) on `case` as read (its `version`): checks who, the
    state and the requirements, then changes the state, writes the CaseEvent (with the attachments) and bumps the
    version, all or nothing. 销号 records the comment as the acceptance record and `freed_mu` (default: the
    target 亩) as what the case freed."""
    flow = get_workflow(case.workflow)
    step = flow.transition(action)
    if step is None:
        allowed = listed(f"{t.action}（{gettext(t.label)}）" for t in flow.transitions)
        raise InputError(gettext("未知的案件操作“%(action)s”；允许：%(allowed)s") % {"action": action, "allowed": allowed})
    label, today = gettext(step.label), today or timezone.localdate()
    _require_in_scope(case, scope)
    scope.require("case", write=True)
    _require_who(step.by, scope=scope, named=tuple(case.departments), what=label, case=case)
    if case.state not in step.from_:
        raise InputError(gettext("无法%(action)s：案件 %(number)s 处于“%(state)s”，只有处于“%(allowed)s”时才能%(action)s")
                         % {"action": label, "number": case.number, "state": _state_label(flow, case.state),
                            "allowed": listed(_state_label(flow, s) for s in step.from_)})
    comment = (comment or "").strip()
    missing = _missing(flow, step.requires, case=case, comment=comment, new_deadline=new_deadline,
                       attachments=attachments)
    if missing:
        raise InputError(gettext("无法%(action)s：案件 %(number)s 处于“%(state)s”，缺少%(missing)s") % {
            "action": label, "number": case.number, "state": _state_label(flow, case.state),
            "missing": "；".join(missing)})
    with transaction.atomic():
        _claim(case)
        before_state, before_deadline = case.state, case.deadline
        if step.to:
            case.state = step.to
        if step.new_round:
            case.round += 1
        if "new_deadline" in step.requires:
            case.original_deadline = case.original_deadline or case.deadline
            case.deadline = new_deadline
        if flow.is_final(case.state):
            case.closed_on = today
            case.acceptance_record = comment
            case.freed_mu = freed_mu if freed_mu is not None else case.target_free_mu
        case._history_user = actor
        case._change_reason = f"{label}：{comment}" if comment else label
        case.save()
        event = _event(case, action=action, actor=actor, scope=scope, from_state=before_state, to_state=case.state,
                       comment=comment, deadline_before=before_deadline if step.to is None else None,
                       deadline_after=case.deadline if step.to is None else None)
        _store(attachments, actor=actor, case=case, event=event)
        if flow.is_final(case.state):
            case_closed.send(sender=Case, case=case, event=event, actor=actor)
    return event


def sign_off(*, case, actor, scope, decision, comment="", attachments=()) -> CaseSignoff:
    """部门验收 of the current round by the user's department (named on the case): 同意销号 or 不同意 (with a reason);
    once per department and round."""
    flow = get_workflow(case.workflow)
    label = gettext(flow.signoff.label)
    _require_in_scope(case, scope)
    scope.require("case", write=True)
    _require_who(flow.signoff.by, scope=scope, named=tuple(case.departments), what=label, case=case)
    if case.state not in flow.signoff.states:
        raise InputError(gettext("无法%(action)s：案件 %(number)s 处于“%(state)s”，只有处于“%(allowed)s”时才能%(action)s")
                         % {"action": label, "number": case.number, "state": _state_label(flow, case.state),
                            "allowed": listed(_state_label(flow, s) for s in flow.signoff.states)})
    if decision not in choices.SignoffDecision.values:
        raise InputError(gettext("验收意见“%(value)s”无效；允许：%(allowed)s") % {
            "value": decision, "allowed": listed(str(label) for label in choices.SignoffDecision.labels)})
    comment = (comment or "").strip()
    if decision == choices.SignoffDecision.REJECT and not comment:
        raise InputError(gettext("无法%(action)s：不同意销号须写明理由") % {"action": label})
    department = scope.department
    if case.signoffs.filter(round=case.round, department=department).exists():
        raise InputError(gettext("%(department)s 已在第 %(round)s 轮签署验收意见；如需改变，请先退回案件") % {
            "department": _department_label(department), "round": case.round})
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # serialises with 销号's version check
        case.version += 1
        signoff = CaseSignoff(case=case, round=case.round, department=department, decision=decision,
                              comment=comment, actor=actor)
        signoff._history_user = actor
        try:
            with transaction.atomic():
                signoff.save()
        except IntegrityError as exc:
            raise ConflictError(gettext("%(department)s 已签署本轮验收意见，请刷新页面") % {
                "department": _department_label(department)}) from exc
        event = _event(case, action=SIGN_OFF, actor=actor, scope=scope, from_state=case.state, to_state=case.state,
                       comment=f"{choices.SignoffDecision(decision).label}：{comment}" if comment
                       else str(choices.SignoffDecision(decision).label))
        _store(attachments, actor=actor, case=case, event=event)
    return signoff


def complete_step(*, case, step_code, actor, scope, note="", attachments=(), today=None) -> CaseStep:
    """Mark a template step done, by the step's department, in the template's step states, after the steps it
    follows."""
    flow = get_workflow(case.workflow)
    _require_in_scope(case, scope)
    scope.require("case", write=True)
    step = case.steps.filter(code=step_code).first()
    if step is None:
        allowed = listed(case.steps.values_list("code", flat=True)) or gettext("（本案件没有模板步骤）")
        raise InputError(gettext("案件 %(number)s 没有步骤“%(step)s”；可选：%(allowed)s") % {
            "number": case.number, "step": step_code, "allowed": allowed})
    name = gettext(step.name)
    if scope.department != step.department:
        raise PermissionDenied(gettext("“%(step)s”由%(department)s完成，您的部门不能办理") % {
            "step": name, "department": _department_label(step.department)})
    if case.state not in flow.step_states:
        raise InputError(gettext("无法完成“%(step)s”：案件 %(number)s 处于“%(state)s”，只有处于“%(allowed)s”时才能办理步骤")
                         % {"step": name, "number": case.number, "state": _state_label(flow, case.state),
                            "allowed": listed(_state_label(flow, s) for s in flow.step_states)})
    if step.status == choices.StepStatus.DONE:
        raise InputError(gettext("“%(step)s”已于 %(date)s 完成") % {"step": name, "date": step.done_on})
    spec = next(s for s in flow.steps if s.code == step.code)
    pending = case.steps.filter(code__in=spec.after).exclude(status=choices.StepStatus.DONE)
    if pending.exists():
        raise InputError(gettext("无法完成“%(step)s”：须先完成%(before)s") % {
            "step": name, "before": listed(f"“{gettext(s.name)}”" for s in pending.order_by("order"))})
    with transaction.atomic():
        _claim(case)
        step.status, step.done_on, step.done_by, step.note = choices.StepStatus.DONE, today or timezone.localdate(), \
            actor, (note or "").strip()
        step._history_user = actor
        step.save()
        event = _event(case, action=STEP, actor=actor, scope=scope, from_state=case.state, to_state=case.state,
                       comment=f"{step.name}：{step.note}" if step.note else step.name)
        _store(attachments, actor=actor, case=case, event=event, step=step)
    return step


def add_evidence(*, case, actor, scope, uploads, comment="") -> CaseEvent:
    """Upload evidence (整改证据) to an open case, by a named department or a role the workflow lets act on it; it
    counts for this round's 提交核验."""
    flow = get_workflow(case.workflow)
    _require_in_scope(case, scope)
    scope.require("case", write=True)
    every = tuple(w for t in flow.transitions for w in t.by) + flow.signoff.by
    _require_who(every, scope=scope, named=tuple(case.departments), what=gettext("上传证据"), case=case)
    if flow.is_final(case.state):
        raise InputError(gettext("案件 %(number)s 已销号，不能再上传证据") % {"number": case.number})
    if not uploads:
        raise InputError(gettext("请选择要上传的证据文件"))
    with transaction.atomic():
        event = _event(case, action=EVIDENCE, actor=actor, scope=scope, from_state=case.state, to_state=case.state,
                       comment=(comment or "").strip())
        _store(uploads, actor=actor, case=case, event=event)
    return event


def may_add_evidence(*, case, scope) -> bool:
    """Whether the user may upload evidence to the case now (see `add_evidence`)."""
    flow = get_workflow(case.workflow)
    every = tuple(w for t in flow.transitions for w in t.by) + flow.signoff.by
    return (scope.can_write("case") and not flow.is_final(case.state)
            and (scope.zone_ids is None or case.zone_id in scope.zone_ids)
            and _admits(every, scope, tuple(case.departments)))


def opening_defaults(*, scope, entry_id="") -> dict:
    """The 立案 form's initial values; from a list entry (its id): the firm and parcel, a title naming the list,
    and the list's owner department as lead. An entry outside the user's parks gives no defaults."""
    from parkgov.governance.models import ListEntry

    initial = {"deadline": timezone.localdate().replace(month=12, day=31), "workflow": "case"}
    if not str(entry_id).isdigit():
        return initial
    entry = scope.filter_zones(ListEntry.objects.select_related("run", "enterprise", "parcel"), "zone_id") \
        .filter(pk=int(entry_id)).first()
    if entry is None:
        return initial
    subject = entry.enterprise.name if entry.enterprise else entry.parcel.code if entry.parcel else entry.subject_key
    initial.update(entry=entry, list_entry=entry.pk, lead_department=entry.run.owner_department,
                   departments=[entry.run.owner_department],
                   title=gettext("%(subject)s（%(list)s %(year)s）") % {"subject": subject, "list": entry.run.rule_name,
                                                                      "year": entry.run.year},
                   credit_code=entry.enterprise.credit_code if entry.enterprise else "",
                   parcel_code=entry.parcel.code if entry.parcel else "")
    return initial


def open_case_from_codes(*, actor, scope, credit_code="", parcel_code="", list_entry_id=None, **fields) -> Case:
    """`open_case` with the firm, parcel and list entry named by their codes / id, each looked up in the user's
    parks (InputError naming a code that is not found there)."""
    from parkgov.governance.models import ListEntry
    from parkgov.ledger.models import Enterprise, Parcel

    flow = get_workflow(fields.get("workflow", "case"))
    scope.require("case", write=True)
    named = (fields.get("lead_department", ""), *fields.get("departments", ()))
    _require_who(flow.open.by, scope=scope, named=named, what=gettext(flow.open.label), case=None)  # before lookups
    enterprise = parcel = entry = None
    if credit_code:
        enterprise = scope.filter_zones(Enterprise.objects.all()).filter(credit_code=credit_code.strip()).first()
        if enterprise is None:
            raise InputError(gettext("您的园区范围内没有统一社会信用代码为“%(code)s”的企业") % {"code": credit_code})
    if parcel_code:
        parcel = scope.filter_zones(Parcel.objects.all()).filter(code=parcel_code.strip()).first()
        if parcel is None:
            raise InputError(gettext("您的园区范围内没有地块编码为“%(code)s”的地块") % {"code": parcel_code})
    if list_entry_id:
        entry = scope.filter_zones(ListEntry.objects.all(), "zone_id").filter(pk=list_entry_id).first()
        if entry is None:
            raise InputError(gettext("清单条目 %(id)s 不存在或不在您的园区范围内") % {"id": list_entry_id})
    return open_case(actor=actor, scope=scope, enterprise=enterprise, parcel=parcel, list_entry=entry, **fields)


def available_actions(*, case, scope) -> list:
    """What this user may do on the case now (for the buttons): the transitions whose state and people fit, the
    sign-off if the user's department has not signed this round, and the template steps the user's department
    can complete now; each with `blocked` naming what the case still lacks."""
    flow = get_workflow(case.workflow)
    if not scope.can_write("case") or (scope.zone_ids is not None and case.zone_id not in scope.zone_ids):
        return []
    named, actions = tuple(case.departments), []
    for step in flow.transitions:
        if case.state in step.from_ and _admits(step.by, scope, named):
            blocked = tuple(_missing(flow, [r for r in step.requires if r in ("signoffs", "steps")], case=case))
            actions.append(Action("transition", step.action, gettext(step.label), step.requires, blocked))
    if case.state in flow.signoff.states and _admits(flow.signoff.by, scope, named) \
            and not case.signoffs.filter(round=case.round, department=scope.department).exists():
        actions.append(Action(SIGN_OFF, SIGN_OFF, gettext(flow.signoff.label)))
    if case.state in flow.step_states:
        done = set(case.steps.filter(status=choices.StepStatus.DONE).values_list("code", flat=True))
        for spec in flow.steps:
            if spec.department == scope.department and spec.code not in done:
                waiting = [gettext(s.name) for s in flow.steps if s.code in spec.after and s.code not in done]
                blocked = (gettext("须先完成%(before)s") % {"before": listed(waiting)},) if waiting else ()
                actions.append(Action(STEP, spec.code, gettext(spec.name), (), blocked))
    return actions


def signoff_status(case) -> list:
    """[(department code, CaseSignoff or None)] for every named department in the current round."""
    signed = {s.department: s for s in case.signoffs.filter(round=case.round).select_related("actor")}
    return [(code, signed.get(code)) for code in case.departments]


def round_evidence(case):
    """The attachments uploaded to the case in its current round (since the last step that started a round)."""
    flow = get_workflow(case.workflow)
    restarts = [t.action for t in flow.transitions if t.new_round]
    last = case.events.filter(action__in=restarts).order_by("-id").values_list("id", flat=True).first() or 0
    return case.attachments.filter(event_id__gt=last)


def _missing(flow: Workflow, requires, *, case, comment="", new_deadline=None, attachments=()) -> list:
    missing = []
    for requirement in requires:
        if requirement in ("reason", "acceptance_record") and not comment:
            missing.append(gettext(REQUIREMENT_LABELS[requirement]))
        elif requirement == "evidence" and not attachments and not round_evidence(case).exists():
            missing.append(gettext("整改证据（请先上传本轮的整改照片或文件）"))
        elif requirement == "new_deadline":
            if not isinstance(new_deadline, dt.date):
                missing.append(gettext(REQUIREMENT_LABELS[requirement]))
            elif new_deadline <= case.deadline:
                missing.append(gettext("晚于原期限 %(old)s 的新期限（填写的是 %(new)s）") % {
                    "old": case.deadline.isoformat(), "new": new_deadline.isoformat()})
        elif requirement == "steps":
            pending = case.steps.exclude(status=choices.StepStatus.DONE).order_by("order")
            if pending.exists():
                missing.append(gettext("未完成的步骤：%(steps)s") % {
                    "steps": listed(gettext(s.name) for s in pending)})
        elif requirement == "signoffs":
            missing += _signoff_gaps(case)
    return missing


def _signoff_gaps(case) -> list:
    gaps = []
    for department, signoff in signoff_status(case):
        if signoff is None:
            gaps.append(gettext("%(department)s 第 %(round)s 轮的验收意见（尚未签署）") % {
                "department": _department_label(department), "round": case.round})
        elif signoff.decision != choices.SignoffDecision.APPROVE:
            gaps.append(gettext("%(department)s 的同意（该部门不同意：%(comment)s）") % {
                "department": _department_label(department), "comment": signoff.comment})
    return gaps


def _admits(alternatives, scope, named) -> bool:
    return any(w.admits(role=scope.role, department=scope.department, named=named) for w in alternatives)


def _require_who(alternatives, *, scope, named, what, case):
    if _admits(alternatives, scope, named):
        return
    who = gettext("；或").join(w.describe() for w in alternatives)
    if case is not None and all(w.department_named for w in alternatives):
        raise PermissionDenied(gettext("%(department)s 不是案件 %(number)s 的责任部门，不能%(action)s（可%(action)s：%(who)s）")
                               % {"department": _department_label(scope.department) or gettext(scope.role_name),
                                  "number": case.number, "action": what, "who": who})
    raise PermissionDenied(gettext("角色“%(role)s”不能%(action)s（可%(action)s：%(who)s）") % {
        "role": gettext(scope.role_name), "action": what, "who": who})


def _require_in_scope(case, scope):
    if not scope.can_read("case") or (scope.zone_ids is not None and case.zone_id not in scope.zone_ids):
        raise NotFound(gettext("案件 %(number)s 不存在或不在您的数据范围内") % {"number": case.number})


def _claim(case):
    """Take the case's version as read; ConflictError when someone changed the case since."""
    if not Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1):
        raise ConflictError(gettext("案件 %(number)s 已被他人更新，请刷新页面查看后再操作") % {"number": case.number})
    case.version += 1


def _event(case, *, action, actor, scope, from_state="", to_state="", comment="", deadline_before=None,
           deadline_after=None) -> CaseEvent:
    return CaseEvent.objects.create(case=case, action=action, from_state=from_state, to_state=to_state, actor=actor,
                                    role=scope.role, department=scope.department, comment=comment,
                                    deadline_before=deadline_before, deadline_after=deadline_after)


def _store(uploads, *, actor, case, event, step=None):
    from parkgov.governance.evidence import store_attachment

    return [store_attachment(upload=u, actor=actor, case=case, event=event, step=step) for u in uploads or ()]


def _insert_numbered(case):
    """Save `case` with the next number of its year; a concurrent opening that took the number first makes the
    unique constraint refuse ours, and the next number is tried (in a savepoint)."""
    year = timezone.localdate().year
    prefix = f"{NUMBER_PREFIX}-{year}-"
    for _attempt in range(NUMBER_ATTEMPTS):
        last = (Case.objects.filter(number__startswith=prefix).annotate(length=Length("number"))
                .order_by("-length", "-number").values_list("number", flat=True).first())
        case.number = f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:04d}"
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            return
        except IntegrityError:
            case.pk = None
    raise ConflictError(gettext("案件编号分配冲突，请稍后重试"))


def _departments(codes, known) -> list:
    named = []
    for code in codes:
        code = (code or "").strip()
        if not code:
            continue
        if code not in known:
            raise InputError(gettext("未知部门“%(value)s”；允许：%(allowed)s") % {
                "value": code, "allowed": listed(f"{e.name}（{c}）" for c, e in known.items())})
        if code not in named:
            named.append(code)
    if not named:
        raise InputError(gettext("立案须指明牵头部门和责任部门"))
    return named


def _targets(targets: dict) -> dict:
    fields = {}
    for key, value in targets.items():
        if key not in TARGET_FIELDS:
            raise InputError(gettext("未知的整改目标“%(key)s”；允许：%(allowed)s") % {
                "key": key, "allowed": listed(TARGET_FIELDS)})
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(gettext("整改目标“%(key)s”应为数字，实为“%(value)s”") % {"key": key, "value": value}) from None
        if number < 0:
            raise InputError(gettext("整改目标“%(key)s”不能为负数（%(value)s）") % {"key": key, "value": value})
        fields[TARGET_FIELDS[key]] = number
    return fields


def listed(items) -> str:
    """Items joined with the language's list separator (、 in Chinese, a comma in English)."""
    return gettext("、").join(str(item) for item in items)


def _state_label(flow: Workflow, code: str) -> str:
    return gettext(flow.state(code).label)


def _department_label(code: str) -> str:
    from parkgov.codes.tables import code_table

    return gettext(code_table("departments").label(code)) if code else ""
