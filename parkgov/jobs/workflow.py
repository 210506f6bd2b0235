"""A job's states and transitions are data (`data/job_states.yaml`, issue 18 §2): who may make each step (the worker,
the heartbeat monitor, the job's owner) and from which states. `move` makes a step as one conditional update, so that
two processes racing (the worker finishing, its owner cancelling, the monitor interrupting) cannot both win, and
writes a JobEvent for every step made; a step not allowed from the job's state is refused with a clear message."""

from functools import cache
from pathlib import Path
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from pydantic import Field, ValidationError, model_validator

from parkgov.codes.datafiles import (
    Source, State, Strict, TransitionBase, problems_text, read_mapping, validation_problems,
)
from parkgov.errors import ConfigError, InputError

STATES_FILE = Path(__file__).resolve().parent / "data" / "job_states.yaml"
Actor = Literal["worker", "monitor", "owner"]
BY_LABELS = {"worker": gettext_noop("后台任务进程"), "monitor": gettext_noop("心跳检查"), "owner": gettext_noop("提交人")}
# The file's labels, for the catalogue (tests/test_jobs_workflow.py fails when one is missing here).
LABELS = (gettext_noop("后台任务"), gettext_noop("开始运行"), gettext_noop("完成"), gettext_noop("拒绝（数据有误）"),
          gettext_noop("失败"), gettext_noop("取消"), gettext_noop("已停止并撤销写入"), gettext_noop("标为中断"),
          gettext_noop("重新运行"), gettext_noop("正在取消"), gettext_noop("已取消"))


class Transition(TransitionBase):
    to: str | None
    by: tuple[Actor, ...] = Field(min_length=1)


class JobWorkflow(Strict):
    id: str
    version: int = Field(ge=1)
    name: str
    source: Source
    verified: bool
    states: tuple[State, ...] = Field(min_length=1)
    transitions: tuple[Transition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self):
        from parkgov.jobs.models import JobStatus

        codes = [s.code for s in self.states]
        if sorted(codes) != sorted(JobStatus.values):
            raise ValueError(f"states: 状态应与任务状态代码一致（{', '.join(JobStatus.values)}），文件中为 {', '.join(codes)}")
        for i, t in enumerate(self.transitions):
            for code in (*t.from_, *([t.to] if t.to else [])):
                if code not in codes:
                    raise ValueError(f"transitions[{i}]: 未知状态 {code!r}")
        actions = [t.action for t in self.transitions]
        if len(set(actions)) != len(actions):
            raise ValueError("transitions: 操作代码重复")
        return self

    def transition(self, action: str) -> Transition:
        return next(t for t in self.transitions if t.action == action)

    def allowed(self, *, state: str, by: str) -> list[Transition]:
        """The steps `by` may make from `state`."""
        return [t for t in self.transitions if state in t.from_ and by in t.by]

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)


def load_job_workflow(path: Path = STATES_FILE) -> JobWorkflow:
    raw = read_mapping(path, noun="任务状态表", error=ConfigError)
    try:
        return JobWorkflow.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(problems_text("任务状态表", Path(path).name, validation_problems(exc))) from exc


@cache
def job_workflow() -> JobWorkflow:
    return load_job_workflow()


class StepRefused(InputError):
    """A job step not allowed from the job's current state (or by this actor)."""


def move(job_id, action: str, *, by: str, actor=None, message: str | None = None, **fields) -> bool:
    """Make `action` on the job if its current state allows it for `by`: one conditional update (with `fields`, and
    `finished_at` when the new state is final) and a JobEvent. Returns False, writing nothing, when the job is no
    longer in a state the step starts from (another process moved it first)."""
    from parkgov.jobs.models import Job, JobEvent

    workflow = job_workflow()
    step = workflow.transition(action)
    if by not in step.by:
        raise StepRefused(gettext("“%(step)s”不能由%(by)s进行") % {"step": gettext(step.label), "by": by})
    current = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if current is None or current not in step.from_:
        return False
    if step.to:
        fields["status"] = step.to
        if workflow.state(step.to).final:
            fields.setdefault("finished_at", timezone.now())
    if message is not None:
        fields["message"] = message[:300]
    if fields and not Job.objects.filter(pk=job_id, status=current).update(**fields):
        return False
    JobEvent.objects.create(job_id=job_id, action=action, from_state=current, to_state=step.to or current, by=by,
                            actor=actor, message=(message or "")[:300])
    return True


def refuse(job, *actions: str) -> None:
    """Raise StepRefused with the Chinese reason the step (made by any of `actions`, such as cancelling a queued or
    a running job) is not possible for this job now."""
    workflow = job_workflow()
    step = workflow.transition(actions[0])
    states = dict.fromkeys(s for a in actions for s in workflow.transition(a).from_)
    allowed = "、".join(gettext(workflow.state(s).label) for s in states)
    raise StepRefused(gettext("任务“%(title)s”的状态为%(state)s，只有%(allowed)s的任务可以%(step)s") % {
        "title": job.title, "state": job.get_status_display(), "allowed": allowed, "step": gettext(step.label)})
