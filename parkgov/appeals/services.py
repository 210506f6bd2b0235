"""Appeal services: the 公示 period of a run, filing an appeal, its steps (the workflow in data), the queue.

Services take keyword-only arguments and never commit: the caller owns the transaction (an adjustment writes the
figure, re-runs the evaluation and records the step together, or nothing).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from parkgov.appeals import config
from parkgov.appeals.models import Appeal, AppealEvent, AppealEvidence, PublicityPeriod
from parkgov.errors import InputError, NotFound
from parkgov.evaluation.models import EvaluationResult
from parkgov.governance.evidence import store_file
from parkgov.ledger.models import FIGURE_FIELDS, YearlyFigure

RESULT = "result"  # the appealed object when the appeal is on the result itself, not on one figure


def field_label(field: str) -> str:
    """The Chinese name of an appealable object (a yearly-figure field's verbose name, or 评价结果)."""
    if field == RESULT:
        return gettext("评价结果（类别、得分、排名）")
    return str(YearlyFigure._meta.get_field(field).verbose_name)


def set_publicity(*, run, starts_on: dt.date, working_days: int | None = None, actor=None) -> PublicityPeriod:
    """Set the 公示 of `run`: from `starts_on` for `working_days` working days (default appeals.yaml), the
    first day counted when it is a working day; the last day is computed with the working-day calendar."""
    days = working_days or config.settings().publicity_working_days
    if not 1 <= days <= 30:
        raise InputError(gettext("公示期应为 1–30 个工作日，收到 %(days)s") % {"days": days})
    ends_on = config.add_working_days(starts_on - dt.timedelta(days=1), days)
    period, _created = PublicityPeriod.objects.update_or_create(
        run=run, defaults={"starts_on": starts_on, "working_days": days, "ends_on": ends_on, "created_by": actor})
    return period


def publicity_of(run):
    """The run's 公示 period or None."""
    return PublicityPeriod.objects.filter(run=run).first()


def may_file(*, run, on: dt.date) -> bool:
    """Whether appeals on `run` may be filed on `on` (within its 公示 period)."""
    period = publicity_of(run)
    return period is not None and period.starts_on <= on <= period.ends_on


def file_appeal(*, scope, actor, run, field: str, claimed_value: str, reason: str, uploads=(),
                today: dt.date | None = None) -> Appeal:
    """An enterprise files an appeal on one of its figures (a yearly-figure field) or on its result in `run`,
    within the run's 公示 period, with evidence files (checked and kept by governance.evidence.store_file)."""
    today = today or timezone.localdate()
    if not scope.is_enterprise:
        raise PermissionDenied(gettext("只有企业账号可以提出申诉"))
    scope.require("appeal", write=True)
    period = publicity_of(run)
    if period is None:
        raise InputError(gettext("%(year)s 年评价结果尚未公示，不能申诉") % {"year": run.year})
    if not period.starts_on <= today <= period.ends_on:
        raise InputError(gettext("申诉须在公示期内提出（%(start)s 至 %(end)s），今天是 %(today)s")
                         % {"start": period.starts_on, "end": period.ends_on, "today": today})
    result = EvaluationResult.objects.filter(run=run, enterprise_id=scope.enterprise_id).first()
    if result is None:
        raise NotFound(gettext("本企业不在该评价批次中"))
    if field != RESULT and field not in FIGURE_FIELDS:
        raise InputError(gettext("申诉对象“%(field)s”无效；可申诉：评价结果或年度数据的一项") % {"field": field})
    if not (reason or "").strip():
        raise InputError(gettext("请填写申诉理由"))
    if Appeal.objects.filter(run=run, enterprise_id=scope.enterprise_id, field=field).exclude(
            state__in=final_states()).exists():
        raise InputError(gettext("对“%(field)s”已有在办的申诉，请等待答复") % {"field": field_label(field)})
    appeal = Appeal.objects.create(
        number=_next_number(run.year), run=run, enterprise_id=scope.enterprise_id, field=field, year=run.year,
        current_value=_current_value(result, field), claimed_value=(claimed_value or "").strip()[:64],
        reason=reason.strip(), department=config.settings().figure_owners[field], state="submitted",
        state_since=today, due_on=_due(today, "submitted"), filed_by=actor)
    for upload in uploads:
        AppealEvidence.objects.create(appeal=appeal, uploaded_by=actor, **store_file(upload=upload))
    AppealEvent.objects.create(appeal=appeal, action="file", to_state="submitted", note=appeal.reason, actor=actor,
                               details={"claimed_value": appeal.claimed_value, "current_value": appeal.current_value,
                                        "evidence": appeal.evidence.count()})
    return appeal


def allowed_actions(*, appeal, scope) -> list:
    """The actions (code, label) `scope` may take on `appeal` now."""
    table = config.workflow()
    return [(action, step.label) for action, step in table.transitions.items()
            if appeal.state in step.from_ and _may_act(step, appeal, scope)]


def transition(*, appeal, action: str, scope, actor, reason="", value="", reply="", today=None) -> Appeal:
    """Make one step of the workflow (appeals/data/workflow.yaml): the step must start from the appeal's state
    (a clear Chinese refusal otherwise), the user's role must be among its roles (and, for 核查, the user's
    department the one owning the figure), its requirements given. 调整 applies the adjustment
    (parkgov.appeals.adjust). Every step writes an AppealEvent."""
    from parkgov.appeals.adjust import apply_adjustment

    today = today or timezone.localdate()
    table = config.workflow()
    step = table.transitions.get(action)
    if step is None:
        raise InputError(gettext("未知的申诉操作“%(action)s”") % {"action": action})
    state_label = gettext(table.states[appeal.state].label)
    if appeal.state not in step.from_:
        possible = "、".join(gettext(label) for _code, label in allowed_actions(appeal=appeal, scope=scope))
        raise InputError(gettext("申诉 %(number)s 当前状态为“%(state)s”，不能“%(action)s”；当前可进行的操作：%(possible)s")
                         % {"number": appeal.number, "state": state_label, "action": gettext(step.label),
                            "possible": possible or gettext("无")})
    if not _may_act(step, appeal, scope):
        raise PermissionDenied(gettext("角色“%(role)s”不能对申诉 %(number)s 进行“%(action)s”")
                               % {"role": gettext(scope.role_name), "number": appeal.number,
                                  "action": gettext(step.label)})
    given = {"reason": (reason or "").strip(), "value": (str(value) if value is not None else "").strip(),
             "reply": (reply or "").strip()}
    names = {"reason": gettext("理由（核查意见）"), "value": gettext("调整后的值"), "reply": gettext("答复内容")}
    missing = [names[r] for r in step.requires if not given[r]]
    if missing:
        raise InputError(gettext("“%(action)s”须填写：%(missing)s") % {"action": gettext(step.label),
                                                                    "missing": "、".join(missing)})
    details = apply_adjustment(appeal=appeal, value=given["value"], reason=given["reason"], actor=actor) \
        if action == "adjust" else {}
    before = appeal.state
    appeal.state, appeal.state_since, appeal.due_on = step.to, today, _due(today, step.to)
    if given["reply"]:
        appeal.reply = given["reply"]
    appeal._history_user = actor
    appeal._change_reason = f"{step.label}：{given['reason'] or given['reply']}"[:100]
    appeal.save()
    AppealEvent.objects.create(appeal=appeal, action=action, from_state=before, to_state=step.to, actor=actor,
                               note=given["reply"] or given["reason"], details=details)
    return appeal


def scoped_appeals(*, scope):
    """The appeals `scope` may read: an enterprise its own; staff with `appeal` read those of firms in their
    parks, and a checking department (not among the roles that accept appeals) only those it checks."""
    appeals = Appeal.objects.select_related("enterprise", "run")
    if scope.is_enterprise:
        return scope.filter_firm(appeals)
    scope.require("appeal")
    appeals = scope.filter_zones(appeals, "enterprise__zone_id")
    if scope.role not in config.workflow().transitions["accept"].roles:
        appeals = appeals.filter(department=scope.department)
    return appeals


def get_appeal(*, scope, appeal_id: int) -> Appeal:
    """One appeal within scope (NotFound otherwise)."""
    appeal = scoped_appeals(scope=scope).filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound(gettext("申诉不存在或不在您的数据范围内"))
    return appeal


def queue(*, scope, state: str = "", late_only=False, today=None) -> list:
    """The staff appeals queue: appeals in scope (optionally in one state), each with `late` (past its step's
    deadline and not final) and its state's label; late ones first, then by deadline."""
    today = today or timezone.localdate()
    table = config.workflow()
    appeals = scoped_appeals(scope=scope)
    if state:
        if state not in table.states:
            raise InputError(gettext("未知的申诉状态“%(state)s”") % {"state": state})
        appeals = appeals.filter(state=state)
    rows = []
    for appeal in appeals:
        appeal.late = bool(appeal.due_on and appeal.due_on < today and not table.states[appeal.state].final)
        appeal.state_label = table.states[appeal.state].label
        appeal.field_label = field_label(appeal.field)
        if appeal.late or not late_only:
            rows.append(appeal)
    rows.sort(key=lambda a: (not a.late, a.due_on or dt.date.max, a.number))
    return rows


def state_labels() -> list:
    """(code, label) of every state, in workflow order."""
    return [(code, state.label) for code, state in config.workflow().states.items()]


def _may_act(step, appeal, scope) -> bool:
    if scope.role not in step.roles:
        return False
    return not step.owner_department or scope.role == "admin" or scope.department == appeal.department


def final_states() -> list:
    """The codes of the workflow's final states."""
    return [code for code, state in config.workflow().states.items() if state.final]


def _due(start: dt.date, state: str):
    days = config.workflow().states[state].deadline_working_days
    return config.add_working_days(start, days) if days else None


def _next_number(year: int) -> str:
    prefix = f"SS-{year}-"
    last = Appeal.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


def _current_value(result, field: str) -> str:
    if field == RESULT:
        return result.class_final
    value = YearlyFigure.objects.filter(enterprise_id=result.enterprise_id, year=result.run.year) \
        .values_list(field, flat=True).first()
    return "" if value is None else f"{value:g}"
