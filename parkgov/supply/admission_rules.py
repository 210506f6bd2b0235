"""准入联审 as data, validated at load: threshold profiles (thresholds/<id>.yaml) and which zone takes which
(thresholds/zones.yaml), the negative list (data/negative_list.yaml), the review's departments, investor checks
and outcome rules (data/admission_review.yaml) and the workflow (workflows/admission.yaml).

Every file goes through `codes.datafiles.load_validated`, so a bad file fails when it is loaded with an
AdmissionRulesError naming the file and the YAML path of each problem (an unknown measure, operator, state,
role, department or industry code; a threshold without a value that claims to be verified …). Nothing here
reads the database.
"""

from functools import cache
from pathlib import Path
from typing import Literal

from django.utils.translation import gettext_noop
from pydantic import Field, field_validator, model_validator

from parkgov.codes.datafiles import Source, State, Strict, TransitionBase, load_validated, problems_text
from parkgov.errors import InputError

ROOT = Path(__file__).resolve().parent
THRESHOLD_DIR = ROOT / "thresholds"
ZONES_FILE = THRESHOLD_DIR / "zones.yaml"
NEGATIVE_LIST_FILE = ROOT / "data" / "negative_list.yaml"
REVIEW_FILE = ROOT / "data" / "admission_review.yaml"
WORKFLOW_FILE = ROOT / "workflows" / "admission.yaml"
# what a threshold compares, computed from the application (admission_checks.measure_values); unit as shown
MEASURES = {"investment_intensity": "万元/亩", "tax_per_mu": "万元/亩", "output_per_mu": "万元/亩",
            "value_added_per_mu": "万元/亩", "plot_ratio": "", "building_coefficient": "%", "admin_share": "%",
            "green_ratio": "%", "energy_value_added": "万元/吨标准煤", "emission_value_added": "万元/吨",
            "rd_share": "%", "employees_per_mu": "人/亩"}
REQUIREMENTS = {"opinions": gettext_noop("每个联审部门本轮的意见（且无“需补正”）"),
                "outcome": gettext_noop("联审结论为通过或有条件通过"), "reason": gettext_noop("说明（理由）")}
# labels of the shipped files, marked for the catalogue (shown through gettext)
LABELS = (gettext_noop("提交受理"), gettext_noop("发起联审"), gettext_noop("退回补正"), gettext_noop("补正后重新提交"),
          gettext_noop("作出联审结论"), gettext_noop("签订标准地合同"), gettext_noop("撤回"), gettext_noop("准入联审"))


class AdmissionRulesError(InputError):
    """An admission data file is invalid; the message names the file and the YAML path of each problem."""


def _known_industries(codes):
    from parkgov.codes.tables import code_table

    table = code_table("gbt4754_2017")
    for code in codes:
        if code not in table:
            raise ValueError(f"未知的行业代码 {code!r}（GB/T 4754-2017 代码表中没有）")
    return codes


class ThresholdRule(Strict):
    """One threshold of a profile: measure `op` value, weighing `level` when failed; `industries` limits it to
    applications whose industry lies under one of the codes (empty = every industry)."""

    code: str = Field(pattern=r"^[a-z_0-9]+$")
    label: str
    measure: str
    op: Literal["ge", "gt", "le", "lt"]
    value: float | None
    unit: str = ""
    level: Literal["block", "warn"]
    industries: tuple[str, ...] = ()
    source: str = Field(min_length=4)
    verified: bool
    note: str = ""

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value):
        if value not in MEASURES:
            raise ValueError(f"未知的核查指标 {value!r}；允许：{', '.join(MEASURES)}")
        return value

    @field_validator("industries")
    @classmethod
    def _industries(cls, value):
        return _known_industries(value)

    @model_validator(mode="after")
    def _untranscribed_is_unverified(self):
        if self.value is None and (self.verified or not self.note):
            raise ValueError("value: 未录入门槛值（null）的规则须为 verified: false 并在 note 中说明原因")
        return self


class ProfileFile(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: int = Field(ge=1)
    name: str
    extends: str | None = None
    source: Source
    verified: bool
    rules: tuple[ThresholdRule, ...] = Field(min_length=1)


class Profile(Strict):
    """A loaded profile: its own rules, then those of the profile it extends (a rule code of the extending file
    replaces the base's rule of the same code)."""

    id: str
    version: int
    name: str
    source: Source
    verified: bool
    chain: tuple[str, ...]
    rules: tuple[ThresholdRule, ...]


class ZoneAssignment(Strict):
    source: Source
    verified: bool
    default: str
    zones: dict[str, str] = {}


class NegativeEntry(Strict):
    code: str = Field(pattern=r"^[a-z_0-9]+$")
    category: Literal["forbidden", "eliminated", "restricted"]
    industries: tuple[str, ...] = Field(min_length=1)
    label: str
    source: str = Field(min_length=4)
    verified: bool

    @field_validator("industries")
    @classmethod
    def _industries(cls, value):
        return _known_industries(value)


class NegativeList(Strict):
    source: Source
    verified: bool
    entries: tuple[NegativeEntry, ...] = Field(min_length=1)


class InvestorCheck(Strict):
    label: str
    level: Literal["block", "warn"]
    statuses: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    source: str = Field(min_length=4)
    verified: bool


class OutcomeRule(Strict):
    forbidden_by: tuple[Literal["block", "warn", "reject", "changes"], ...] = ()
    requires_conditions: bool = False
    requires_comment: bool = False


class ReviewRules(Strict):
    source: Source
    verified: bool
    departments: tuple[str, ...] = Field(min_length=1)
    investor_checks: dict[Literal["idle_land", "open_breach", "class_d", "serious_findings"], InvestorCheck]
    outcomes: dict[Literal["approved", "conditional", "rejected"], OutcomeRule]
    contract_parcel_states: tuple[str, ...] = Field(min_length=1)

    @field_validator("departments")
    @classmethod
    def _known_departments(cls, value):
        from parkgov.codes.tables import code_table

        known = code_table("departments").entries
        for code in value:
            if code not in known:
                raise ValueError(f"未知部门 {code!r}；允许：{', '.join(known)}")
        return value

    @field_validator("investor_checks", "outcomes")
    @classmethod
    def _complete(cls, value, info):
        expected = {"investor_checks": {"idle_land", "open_breach", "class_d", "serious_findings"},
                    "outcomes": {"approved", "conditional", "rejected"}}[info.field_name]
        missing = expected - set(value)
        if missing:
            raise ValueError(f"缺少 {', '.join(sorted(missing))}")
        return value


class Transition(TransitionBase):
    to: str
    by: tuple[str, ...] = ()
    departments: bool = False
    requires: tuple[Literal["opinions", "outcome", "reason"], ...] = ()
    new_round: bool = False


class AdmissionWorkflow(Strict):
    """The admission review's states and transitions, with who may make each step."""

    id: str
    version: int = Field(ge=1)
    name: str
    source: Source
    verified: bool
    editable_states: tuple[str, ...]
    edit_by: tuple[str, ...]
    opinion_states: tuple[str, ...]
    states: tuple[State, ...] = Field(min_length=2)
    transitions: tuple[Transition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self):
        from parkgov.accounts.scopes import role_table
        from parkgov.supply.choices import ApplicationState

        codes, roles = [s.code for s in self.states], role_table()["roles"]
        problems = [(f"states[{i}].code", f"未知状态 {s.code!r}；允许：{', '.join(ApplicationState.values)}")
                    for i, s in enumerate(self.states) if s.code not in ApplicationState.values]
        for name in ("editable_states", "opinion_states"):
            problems += [(f"{name}[{j}]", f"未知状态 {s!r}；允许：{', '.join(codes)}")
                         for j, s in enumerate(getattr(self, name)) if s not in codes]
        problems += [(f"edit_by[{j}]", f"未知角色 {r!r}；允许：{', '.join(roles)}")
                     for j, r in enumerate(self.edit_by) if r not in roles]
        for i, t in enumerate(self.transitions):
            where = f"transitions[{i}]"
            problems += [(f"{where}.from[{j}]", f"未知状态 {s!r}；允许：{', '.join(codes)}")
                         for j, s in enumerate(t.from_) if s not in codes]
            problems += [(f"{where}.from[{j}]", f"终态 {s} 不能再转换") for j, s in enumerate(t.from_)
                         if any(x.code == s and x.final for x in self.states)]
            if t.to not in codes:
                problems.append((f"{where}.to", f"未知状态 {t.to!r}；允许：{', '.join(codes)}"))
            problems += [(f"{where}.by[{j}]", f"未知角色 {r!r}；允许：{', '.join(roles)}")
                         for j, r in enumerate(t.by) if r not in roles]
            if not t.by and not t.departments:
                problems.append((f"{where}.by", "须写明可以办理的角色（by）或 departments: true"))
        if problems:
            raise ValueError("\n".join(f"{where}: {message}" for where, message in problems))
        return self

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)

    def transition(self, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action), None)

    def is_final(self, code: str) -> bool:
        return any(s.code == code and s.final for s in self.states)


def _load(path, model, noun):
    return load_validated(path, model, noun=noun, error=AdmissionRulesError)


def load_profile_file(path: Path, *, _seen=()) -> Profile:
    """One profile (and the profiles it extends, from the same folder), checked."""
    path = Path(path)
    raw = _load(path, ProfileFile, "准入标准文件")
    problems = [(f"rules[{i}].code", f"规则 {r.code} 重复") for i, r in enumerate(raw.rules)
                if [x.code for x in raw.rules].count(r.code) > 1]
    base_rules, chain = (), (raw.id,)
    if raw.extends:
        base_path = path.parent / f"{raw.extends}.yaml"
        if raw.extends in _seen or raw.extends == raw.id:
            problems.append(("extends", f"循环扩展 {raw.extends}"))
        elif not base_path.is_file():
            problems.append(("extends", f"找不到被扩展的准入标准 {raw.extends}.yaml"))
        else:
            base = load_profile_file(base_path, _seen=(*_seen, raw.id))
            base_rules, chain = base.rules, (raw.id, *base.chain)
    if problems:
        raise AdmissionRulesError(problems_text("准入标准文件", path.name, problems))
    own = {r.code for r in raw.rules}
    rules = raw.rules + tuple(r for r in base_rules if r.code not in own)  # the local rules first
    return Profile(id=raw.id, version=raw.version, name=raw.name, source=raw.source, verified=raw.verified,
                   chain=chain, rules=rules)


def profile_ids() -> list:
    return sorted(p.stem for p in THRESHOLD_DIR.glob("*.yaml") if p.name != ZONES_FILE.name)


@cache
def get_profile(profile_id: str) -> Profile:
    """A shipped profile by id; AdmissionRulesError listing the ids for an unknown one."""
    if profile_id not in profile_ids():
        raise AdmissionRulesError(f"未知的准入标准 {profile_id!r}；可用：{'、'.join(profile_ids())}")
    return load_profile_file(THRESHOLD_DIR / f"{profile_id}.yaml")


@cache
def zone_assignment() -> ZoneAssignment:
    assignment = _load(ZONES_FILE, ZoneAssignment, "准入标准适用园区文件")
    known = profile_ids()
    problems = [(f"zones.{zone}", f"未知的准入标准 {pid!r}；可用：{', '.join(known)}")
                for zone, pid in assignment.zones.items() if pid not in known]
    if assignment.default not in known:
        problems.append(("default", f"未知的准入标准 {assignment.default!r}；可用：{', '.join(known)}"))
    if problems:
        raise AdmissionRulesError(problems_text("准入标准适用园区文件", ZONES_FILE.name, problems))
    return assignment


def profile_for_zone(zone) -> Profile:
    """The profile of `zone` (a ledger Zone): its own assignment, else its nearest parent's, else the default."""
    assignment = zone_assignment()
    while zone is not None:
        if zone.code in assignment.zones:
            return get_profile(assignment.zones[zone.code])
        zone = zone.parent
    return get_profile(assignment.default)


@cache
def negative_list() -> NegativeList:
    return _load(NEGATIVE_LIST_FILE, NegativeList, "负面清单文件")


@cache
def review_rules() -> ReviewRules:
    return _load(REVIEW_FILE, ReviewRules, "联审规则文件")


@cache
def admission_workflow() -> AdmissionWorkflow:
    return _load(WORKFLOW_FILE, AdmissionWorkflow, "流程文件")


def industry_ancestors(code: str) -> tuple:
    """The GB/T 4754 code and every level above it (class → group → division → section)."""
    from parkgov.codes.tables import code_table

    table, chain = code_table("gbt4754_2017"), []
    while code and code in table and code not in chain:
        chain.append(code)
        code = table.get(code).parent
    return tuple(chain)
