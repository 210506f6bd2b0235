"""Case workflows are data: `workflows/<id>.yaml` validated at load into these pydantic models.

A workflow file has states (codes from `choices.CaseState`, Chinese label, colour, final), transitions (action,
from, to, who may make it, what it requires), the sign-off (项目化验收) and who may open a case. A template file
(`extends: case`) adds steps (e.g. the seven steps of an exited chemical site) to the states and transitions of
the workflow it extends. An unknown state, role, department, requirement or step → WorkflowError naming the file
and the YAML path, so a bad table fails when it is loaded, never in the middle of a case.

`transition_table_markdown` writes the table documented in docs/governance/case-workflow.md (a test checks the
file matches).
"""

from functools import cache
from pathlib import Path
from typing import Literal

from django.utils import translation
from django.utils.translation import gettext_noop
from pydantic import Field, ValidationError, field_validator

from parkgov.codes.datafiles import (
    Source, State, Strict, TransitionBase, problems_text, read_mapping, validation_problems,
)
from parkgov.errors import InputError

WORKFLOW_DIR = Path(__file__).resolve().parent / "workflows"
REQUIREMENTS = {"evidence": gettext_noop("整改证据"), "reason": gettext_noop("说明（理由）"),
                "new_deadline": gettext_noop("新的整改期限（晚于原期限）"),
                "signoffs": gettext_noop("每个责任部门本轮的“同意销号”"), "steps": gettext_noop("模板步骤全部完成"),
                "acceptance_record": gettext_noop("验收记录")}
# Labels of the shipped workflow files, marked for the catalogue (shown through gettext; tests/test_case_workflow.py
# fails when a label in workflows/*.yaml is missing here).
LABELS = (
    gettext_noop("一地一企一策整改案件"), gettext_noop("立案"), gettext_noop("派发"), gettext_noop("接收"),
    gettext_noop("提交核验"), gettext_noop("销号"), gettext_noop("退回"), gettext_noop("延期"), gettext_noop("部门验收"),
    gettext_noop("化工企业退出地块生态修复（七位一体）"), gettext_noop("企业关闭与厂房拆除"), gettext_noop("腾退地块污染调查"),
    gettext_noop("风险评估与治理修复"), gettext_noop("权属调整"), gettext_noop("生态复绿（复垦复绿）"), gettext_noop("评审验收"),
    gettext_noop("财政资金保障"),
)
Requirement = Literal["evidence", "reason", "new_deadline", "signoffs", "steps", "acceptance_record"]


class WorkflowError(InputError):
    """A workflow file is invalid; the message names the file and the YAML path of each problem."""


class Who(Strict):
    """One alternative of who may make a step: a role among `roles` (None = any role writing `case`), and, with
    `department_named`, a department named on the case."""

    roles: tuple[str, ...] | None = None
    department_named: bool = False

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value):
        from parkgov.accounts.scopes import role_table

        known = role_table()["roles"]
        for role in value or ():
            if role not in known:
                raise ValueError(f"未知角色 {role!r}；允许：{', '.join(known)}")
        return value

    def admits(self, *, role: str, department: str, named: tuple) -> bool:
        return (self.roles is None or role in self.roles) and (not self.department_named or department in named)

    def describe(self) -> str:
        """Who this alternative admits, in the current language (role names from roles.yaml translated)."""
        from django.utils.translation import gettext

        from parkgov.accounts.scopes import role_table

        roles = role_table()["roles"]
        who = "、".join(gettext(roles[r]["name"]) for r in self.roles) if self.roles is not None else ""
        if self.department_named:
            return gettext("%(roles)s（须为案件责任部门）") % {"roles": who} if who else gettext("案件责任部门")
        return who or gettext("任何可办理案件的角色")


class Transition(TransitionBase):
    to: str | None = None  # None: the state stays (延期)
    by: tuple[Who, ...] = Field(min_length=1)
    requires: tuple[Requirement, ...] = ()
    new_round: bool = False


class Signoff(Strict):
    label: str
    states: tuple[str, ...] = Field(min_length=1)
    by: tuple[Who, ...] = Field(min_length=1)


class Opening(Strict):
    label: str
    by: tuple[Who, ...] = Field(min_length=1)


class Step(Strict):
    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    department: str
    after: tuple[str, ...] = ()


class WorkflowFile(Strict):
    """The file as written: a base workflow (states, transitions …) or a template (`extends` + steps)."""

    id: str = Field(pattern=r"^[a-z_]+$")
    version: int = Field(ge=1)
    name: str
    source: Source
    verified: bool
    extends: str | None = None
    open: Opening | None = None
    states: tuple[State, ...] = ()
    transitions: tuple[Transition, ...] = ()
    signoff: Signoff | None = None
    step_states: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()


class Workflow(Strict):
    """A loaded workflow: the base's states and transitions with the template's steps (if any)."""

    id: str
    version: int
    name: str
    source: Source
    verified: bool
    open: Opening
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    signoff: Signoff
    step_states: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)

    def transition(self, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action), None)

    def is_final(self, code: str) -> bool:
        return any(s.code == code and s.final for s in self.states)


def load_workflow_file(path: Path) -> Workflow:
    """Parse and check one workflow YAML (and the workflow it extends); WorkflowError names file and path."""
    path = Path(path)
    raw = _parse(path)
    problems = _references(raw)
    if raw.extends:
        base_path = path.parent / f"{raw.extends}.yaml"
        if not base_path.exists():
            problems.append(("extends", f"找不到被扩展的流程 {raw.extends}.yaml"))
        elif raw.states or raw.transitions or raw.signoff or raw.open:
            problems.append(("extends", "扩展流程的模板只能写 steps 与 step_states，状态与转换来自被扩展的流程"))
    elif not (raw.states and raw.transitions and raw.signoff and raw.open):
        problems.append(("（顶层）", "流程须有 open、states、transitions 与 signoff（或用 extends 扩展已有流程）"))
    _raise(path, problems)
    if not raw.extends:
        return Workflow(**raw.model_dump(by_alias=True, exclude={"extends"}))
    base = load_workflow_file(base_path)
    _raise(path, _template_references(raw, base))
    data = base.model_dump(by_alias=True)
    data.update(id=raw.id, version=raw.version, name=raw.name, source=raw.source.model_dump(), verified=raw.verified,
                step_states=raw.step_states, steps=[s.model_dump() for s in raw.steps])
    return Workflow(**data)


@cache
def get_workflow(workflow_id: str) -> Workflow:
    """A shipped workflow by id (`workflows/<id>.yaml`); WorkflowError listing the ids for an unknown one."""
    path = WORKFLOW_DIR / f"{workflow_id}.yaml"
    if not path.is_file() or "/" in workflow_id:
        known = "、".join(builtin_workflow_ids())
        raise WorkflowError(f"未知的案件流程 {workflow_id!r}；可用：{known}")
    return load_workflow_file(path)


def builtin_workflow_ids() -> list:
    return sorted(p.stem for p in WORKFLOW_DIR.glob("*.yaml"))


def _parse(path: Path) -> WorkflowFile:
    data = read_mapping(path, noun="流程文件", error=WorkflowError)
    try:
        return WorkflowFile.model_validate(data)
    except ValidationError as exc:
        _raise(path, validation_problems(exc))


def _references(raw: WorkflowFile) -> list:
    """(YAML path, message) for every state, role or department that the file names but does not exist."""
    from parkgov.governance.choices import CaseState

    problems = []
    codes = [s.code for s in raw.states]
    for i, state in enumerate(raw.states):
        if state.code not in CaseState.values:
            problems.append((f"states[{i}].code", f"未知状态 {state.code!r}；允许：{', '.join(CaseState.values)}"))
            continue
        with translation.override("zh-hans"):
            expected = str(CaseState(state.code).label)
        if state.label != expected:
            problems.append((f"states[{i}].label", f"状态 {state.code} 的名称应为 {expected}（choices.CaseState）"))
    if raw.states and sum(s.final for s in raw.states) != 1:
        problems.append(("states", "须有且只有一个终态（final: true）"))
    actions = [t.action for t in raw.transitions]
    for i, transition in enumerate(raw.transitions):
        if actions.count(transition.action) > 1:
            problems.append((f"transitions[{i}].action", f"操作 {transition.action} 重复"))
        for j, state in enumerate(transition.from_):
            if state not in codes:
                problems.append((f"transitions[{i}].from[{j}]", f"未知状态 {state!r}；允许：{', '.join(codes)}"))
            elif any(s.code == state and s.final for s in raw.states):
                problems.append((f"transitions[{i}].from[{j}]", f"终态 {state} 不能再转换"))
        if transition.to is not None and transition.to not in codes:
            problems.append((f"transitions[{i}].to", f"未知状态 {transition.to!r}；允许：{', '.join(codes)}"))
    for j, state in enumerate(raw.signoff.states if raw.signoff else ()):
        if state not in codes:
            problems.append((f"signoff.states[{j}]", f"未知状态 {state!r}；允许：{', '.join(codes)}"))
    problems += _step_problems(raw)
    return problems


def _step_problems(raw: WorkflowFile) -> list:
    from parkgov.codes.tables import code_table

    departments = code_table("departments").entries
    problems, seen = [], []
    for i, step in enumerate(raw.steps):
        if step.department not in departments:
            problems.append((f"steps[{i}].department", f"未知部门 {step.department!r}；允许：{', '.join(departments)}"))
        if step.code in seen:
            problems.append((f"steps[{i}].code", f"步骤 {step.code} 重复"))
        for j, before in enumerate(step.after):
            if before not in seen:
                problems.append((f"steps[{i}].after[{j}]", f"{before!r} 不是排在前面的步骤；允许：{', '.join(seen)}"))
        seen.append(step.code)
    if raw.steps and not raw.step_states:
        problems.append(("step_states", "有步骤的模板须写明在哪些状态下完成步骤"))
    return problems


def _template_references(raw: WorkflowFile, base: Workflow) -> list:
    codes = [s.code for s in base.states]
    return [(f"step_states[{i}]", f"未知状态 {state!r}；允许：{', '.join(codes)}")
            for i, state in enumerate(raw.step_states) if state not in codes]


def _raise(path: Path, problems: list) -> None:
    if problems:
        raise WorkflowError(problems_text("流程文件", path.name, problems))


def transition_table_markdown(workflow: Workflow) -> str:
    """The transition table of `workflow` as Markdown (docs/governance/case-workflow.md is this text)."""
    label = {s.code: s.label for s in workflow.states}
    lines = [f"| 操作 | 名称 | 从 | 到 | 谁可以做 | 需要 |", "|---|---|---|---|---|---|"]
    for t in workflow.transitions:
        froms = "、".join(label[s] for s in t.from_)
        to = label[t.to] if t.to else "（状态不变）"
        who = "；或 ".join(w.describe() for w in t.by)
        needs = "、".join(REQUIREMENTS[r] for r in t.requires) or "—"
        if t.new_round:
            needs += "；开始新一轮核验"
        lines.append(f"| `{t.action}` | {t.label} | {froms} | {to} | {who} | {needs} |")
    signoff = workflow.signoff
    lines.append(f"| `sign_off` | {signoff.label} | {'、'.join(label[s] for s in signoff.states)} | （状态不变） | "
                 f"{'；或 '.join(w.describe() for w in signoff.by)} | 同意销号或不同意（不同意须写理由）；每个部门每轮一次 |")
    lines.append(f"| `open` | {workflow.open.label} | — | {label[workflow.states[0].code]} | "
                 f"{'；或 '.join(w.describe() for w in workflow.open.by)} | 标题、责任部门、牵头部门、整改期限、企业或地块 |")
    return "\n".join(lines) + "\n"


def steps_markdown(workflow: Workflow) -> str:
    """The steps of a template workflow as a Markdown table."""
    from parkgov.codes.tables import code_table

    departments = code_table("departments")
    names = {s.code: s.name for s in workflow.steps}
    lines = ["| 序号 | 步骤 | 编码 | 责任部门 | 须先完成 |", "|---|---|---|---|---|"]
    for order, step in enumerate(workflow.steps, start=1):
        after = "、".join(names[a] for a in step.after) or "—"
        lines.append(f"| {order} | {step.name} | `{step.code}` | {departments.label(step.department)} | {after} |")
    return "\n".join(lines) + "\n"
