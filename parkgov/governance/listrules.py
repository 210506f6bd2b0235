"""List rules are data: YAML files (governance/rules/*.yaml) validated at load time into these pydantic models.

A rule names its subject (firms or parcels), the department that owns the list, its source, named parameters
with units (every threshold lives there), an optional `where` every listed subject must meet, and ordered
categories (sub-lists): a subject is listed when it meets `where` and at least one category's `when`, under the
first category it meets. A condition leaf compares one measure with a value or a parameter:

    {field: tax_per_mu, op: lt, param: tier_1}                    # a field of the subject (listfields.FIELDS)
    {findings: {categories: [environment], min_severity: serious}, op: ge, value: 1}   # open findings, counted
    {distance: {layer: river}, op: le, param: distance_m}        # metres to the nearest feature of a layer kind
    {missing_years: {window: 3}, op: ge, value: 1}                # years without figures in the last `window`
    {change: {field: revenue, years: 1}, op: le, value: -50}      # % change of a yearly figure
and leaves combine with `all`, `any` and `not`. An unknown field, measure, operator or parameter, a value of
the wrong type, a department not in codes/data/departments.csv or a missing source → ListRuleError naming the
file and the YAML path and listing what is allowed.
"""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError
from parkgov.governance import listfields as vocab

BUILTIN_DIR = Path(__file__).resolve().parent / "rules"


class ListRuleError(InputError):
    """A list rule file is invalid; the message names the file and the YAML path."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a rule comes from: the article it implements."""

    citation: str = Field(min_length=4)
    url: str = ""
    note: str = ""


class Parameter(Strict):
    """A named threshold or code list, with its unit; `label` names a list in reasons (e.g. 化工行业)."""

    value: float | list[str] | list[float]
    unit: str = Field(min_length=1)
    label: str = ""
    note: str = ""

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


class FindingsMeasure(Strict):
    """Open findings (not 销号 at the list date) of these categories with at least this severity."""

    categories: list[Literal[vocab.FINDING_CATEGORIES]] = Field(min_length=1)  # type: ignore[valid-type]
    min_severity: Literal[vocab.SEVERITIES] = "minor"  # type: ignore[valid-type]


class DistanceMeasure(Strict):
    """Distance in metres to the nearest feature of the reference layers of one kind (0 inside a polygon)."""

    layer: Literal[vocab.LAYER_KINDS]  # type: ignore[valid-type]


class MissingYearsMeasure(Strict):
    """Years of the last `window` (the list year included, none before production start) with no figures;
    `window` is a number of years or the name of a parameter holding it."""

    window: int | str

    @field_validator("window")
    @classmethod
    def _window(cls, value):
        if isinstance(value, int) and not 1 <= value <= vocab.HISTORY_YEARS:
            raise ValueError(f"window 须在 1–{vocab.HISTORY_YEARS} 年之间，实为 {value}")
        return value


class ChangeMeasure(Strict):
    """Percent change of a yearly figure against `years` years before: (now ÷ then − 1) × 100."""

    field: str
    years: int = Field(default=1, ge=1, le=vocab.HISTORY_YEARS - 1)

    @field_validator("field")
    @classmethod
    def _figure(cls, value):
        if value not in vocab.FIGURES:
            raise ValueError(f"未知年度数据字段 {value!r}；允许：{', '.join(vocab.FIGURES)}")
        return value


MEASURES = ("field", "findings", "distance", "missing_years", "change")


class Condition(Strict):
    """A test of one measure against a value or parameter, or a combination (all / any / not) of tests."""

    field: str | None = None
    findings: FindingsMeasure | None = None
    distance: DistanceMeasure | None = None
    missing_years: MissingYearsMeasure | None = None
    change: ChangeMeasure | None = None
    op: str | None = None
    value: float | str | list | None = None
    param: str | None = None
    all: list["Condition"] | None = Field(default=None, min_length=1)
    any: list["Condition"] | None = Field(default=None, min_length=1)
    not_: "Condition | None" = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _shape(self):
        combos = [x for x in (self.all, self.any, self.not_) if x is not None]
        measures = [m for m in MEASURES if getattr(self, m) is not None]
        if combos:
            if measures or self.op or len(combos) > 1:
                raise ValueError("条件要么是一个度量加 op/value（或 param），要么是 all、any、not 之一")
            return self
        if len(measures) != 1:
            raise ValueError(f"条件须恰好给出一个度量；允许：{', '.join(MEASURES)}；或组合 all、any、not")
        if self.op not in vocab.OPERATORS:
            raise ValueError(f"未知运算符 {self.op!r}；允许：{', '.join(vocab.OPERATORS)}")
        if self.op in vocab.NULL_OPERATORS:
            if self.value is not None or self.param is not None:
                raise ValueError(f"运算符 {self.op} 不需要 value 或 param")
        elif (self.value is None) == (self.param is None):
            raise ValueError(f"运算符 {self.op} 需要 value 或 param 之一")
        return self

    @property
    def measure(self) -> str | None:
        """Which measure a leaf tests (None for all / any / not)."""
        return next((m for m in MEASURES if getattr(self, m) is not None), None)

    def leaves(self):
        """The leaf conditions in document order."""
        if self.measure:
            yield self
        for child in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            yield from child.leaves()


class Category(Strict):
    """A sub-list: its name (e.g. "<5万元/亩", "产业类") and the condition that puts a subject on it."""

    name: str = Field(min_length=1, max_length=64)
    when: Condition


class ListRule(Strict):
    """A governance list: who it lists, which department owns it, why (source), and the conditions."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    version: int = Field(ge=1)
    name: str = Field(min_length=2, max_length=200)
    subject: Literal["enterprise", "parcel"]
    owner_department: str
    source: Source
    verified: bool
    description: str = ""
    parameters: dict[str, Parameter] = {}
    where: Condition | None = None
    categories: list[Category] = Field(min_length=1)

    @field_validator("owner_department")
    @classmethod
    def _department(cls, value):
        from parkgov.codes.tables import code_table

        departments = code_table("departments")
        if value not in departments:
            raise ValueError(f"未知部门 {value!r}；允许（codes/data/departments.csv）：{', '.join(departments.entries)}")
        return value

    @model_validator(mode="after")
    def _references(self):
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError(f"categories: 细类名称重复：{', '.join(sorted({n for n in names if names.count(n) > 1}))}")
        conditions = ([("where", self.where)] if self.where else []) + \
            [(f"categories[{i}].when", c.when) for i, c in enumerate(self.categories)]
        for path, condition in conditions:
            _check(condition, path, self)
        return self

    @property
    def needs_evaluation(self) -> bool:
        """Whether a condition reads evaluation results (so the list needs an evaluation run)."""
        return any(leaf.field in vocab.EVALUATION_FIELDS[self.subject] for leaf in self.leaves())

    def leaves(self):
        """Every leaf condition of `where` and the categories, in document order."""
        if self.where:
            yield from self.where.leaves()
        for category in self.categories:
            yield from category.when.leaves()

    def window(self, leaf: Condition) -> int:
        """The window of a `missing_years` leaf in years (its number or its parameter's)."""
        window = leaf.missing_years.window
        return int(self.parameters[window].value) if isinstance(window, str) else window

    def threshold(self, leaf: Condition):
        """The value a leaf compares with: its literal value or its parameter's value."""
        return self.parameters[leaf.param].value if leaf.param else leaf.value


def _check(condition: Condition, path: str, rule: ListRule) -> None:
    """Fields, parameters and value types of every leaf under `condition` (the YAML path in each message)."""
    for key, children in (("all", condition.all), ("any", condition.any)):
        for i, child in enumerate(children or []):
            _check(child, f"{path}.{key}[{i}]", rule)
    if condition.not_ is not None:
        _check(condition.not_, f"{path}.not", rule)
    if not condition.measure:
        return
    fields = vocab.FIELDS[rule.subject]
    if condition.field is not None and condition.field not in fields:
        raise ValueError(f"{path}.field: {rule.subject} 没有字段 {condition.field!r}；允许：{', '.join(fields)}")
    if rule.subject == "parcel" and condition.measure in ("missing_years", "change"):
        raise ValueError(f"{path}: {condition.measure} 只适用于企业（subject: enterprise）")
    if condition.missing_years and isinstance(condition.missing_years.window, str):
        name = condition.missing_years.window
        window = rule.parameters.get(name)
        if window is None or window.is_list or window.value != int(window.value) \
                or not 1 <= window.value <= vocab.HISTORY_YEARS:
            raise ValueError(f"{path}.missing_years.window: 参数 {name!r} 须已定义且为 1–{vocab.HISTORY_YEARS} 的整数年数；"
                             f"已定义：{', '.join(rule.parameters) or '无'}")
    kind = fields[condition.field][0] if condition.field else vocab.NUMBER
    allowed = vocab.NUMBER_OPERATORS if kind == vocab.NUMBER else vocab.TEXT_OPERATORS
    if condition.op not in allowed:
        raise ValueError(f"{path}.op: {'数值' if kind == vocab.NUMBER else '文本'}度量不能用 {condition.op}；"
                         f"允许：{', '.join(allowed)}")
    if condition.op in vocab.NULL_OPERATORS:
        return
    if condition.param is not None:
        if condition.param not in rule.parameters:
            raise ValueError(f"{path}.param: 未定义的参数 {condition.param!r}；已定义："
                             f"{', '.join(rule.parameters) or '无'}")
        value, where = rule.parameters[condition.param].value, f"parameters.{condition.param}"
    else:
        value, where = condition.value, f"{path}.value"
    wants_list = condition.op in vocab.LIST_OPERATORS
    if wants_list != isinstance(value, list):
        raise ValueError(f"{where}: 运算符 {condition.op} 需要{'列表' if wants_list else '单个值'}，实为 {value!r}")
    items = value if isinstance(value, list) else [value]
    for item in items:
        is_number = isinstance(item, (int, float)) and not isinstance(item, bool)
        if kind == vocab.NUMBER and not is_number:
            raise ValueError(f"{where}: 度量是数值，应为数字，实为 {item!r}")
        if kind == vocab.TEXT and not isinstance(item, str):
            raise ValueError(f"{where}: 字段 {condition.field} 是文本，应为文本，实为 {item!r}（代码请加引号）")


def rule_hash(rule: ListRule) -> str:
    """SHA-256 of the canonical JSON of the validated rule (what a list run records to be reproducible)."""
    text = json.dumps(rule.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_rule(path) -> ListRule:
    """Parse and validate one YAML file; ListRuleError names the file and the YAML path of each problem."""
    return load_validated(path, ListRule, noun="清单规则", error=ListRuleError)


@cache
def builtin_rules() -> dict[str, ListRule]:
    """The list rules shipped with parkgov (governance/rules/*.yaml), by id, in file-name order."""
    found = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        rule = load_rule(path)
        if rule.id in found:
            raise ListRuleError(f"清单规则 {path.name}: id {rule.id} 与另一文件重复")
        found[rule.id] = rule
    return found


def get_rule(identifier: str) -> ListRule:
    """A built-in rule by id, or a user's YAML file by path."""
    if identifier.endswith((".yaml", ".yml")):
        return load_rule(Path(identifier))
    rules = builtin_rules()
    if identifier not in rules:
        raise ListRuleError(f"未知清单规则 {identifier}；内置：{'、'.join(rules)}；也可给出 YAML 文件路径")
    return rules[identifier]
