"""Rule sets are data: YAML files validated at load time into these pydantic models.

An unknown field, operator or indicator, weights that do not add up where the method says they must, or a
missing source → RuleSetError naming the YAML path and listing what is allowed.
"""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError
from parkgov.evaluation.fields import INPUT_FIELDS, NUMBER, OPERATORS

BUILTIN_DIR = Path(__file__).resolve().parent / "rulesets"
CLASSES = ("A", "B", "C", "D")


class RuleSetError(InputError):
    """A rule set file is invalid; the message names the file and the YAML path."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a rule set (or a parameter) comes from."""

    citation: str = Field(min_length=4)
    url: str = ""
    note: str = ""


class Condition(Strict):
    """A test on one input field, or a combination (all / any / not) of tests."""

    field: str | None = None
    op: str | None = None
    value: float | str | list | None = None
    all: list["Condition"] | None = None
    any: list["Condition"] | None = None
    not_: "Condition | None" = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _check(self):
        combos = [x for x in (self.all, self.any, self.not_) if x is not None]
        if combos:
            if self.field or self.op or len(combos) > 1:
                raise ValueError("条件要么是 field/op/value，要么是 all、any、not 之一")
            return self
        if self.field not in INPUT_FIELDS:
            raise ValueError(f"未知字段 {self.field!r}；允许：{', '.join(INPUT_FIELDS)}")
        if self.op not in OPERATORS:
            raise ValueError(f"未知运算符 {self.op!r}；允许：{', '.join(OPERATORS)}")
        kind = INPUT_FIELDS[self.field][0]
        if self.op in ("in", "not_in"):
            if not isinstance(self.value, list):
                raise ValueError(f"运算符 {self.op} 需要列表值")
        elif self.op in ("is_null", "not_null"):
            if self.value is not None:
                raise ValueError(f"运算符 {self.op} 不需要 value")
        elif kind == NUMBER and not isinstance(self.value, (int, float)):
            raise ValueError(f"字段 {self.field} 是数值，value 应为数字，实为 {self.value!r}")
        elif kind != NUMBER and not isinstance(self.value, str):
            raise ValueError(f"字段 {self.field} 是文本，value 应为文本，实为 {self.value!r}")
        return self


class Indicator(Strict):
    """An indicator: numerator / denominator over input fields, times `factor`, in `unit`."""

    name: str
    numerator: str
    denominator: str | None = None
    factor: float = 1.0
    unit: str
    higher_is_better: bool = True

    @field_validator("numerator", "denominator")
    @classmethod
    def _known(cls, value):
        if value is not None and (value not in INPUT_FIELDS or INPUT_FIELDS[value][0] != NUMBER):
            numeric = [k for k, v in INPUT_FIELDS.items() if v[0] == NUMBER]
            raise ValueError(f"未知数值字段 {value!r}；允许：{', '.join(numeric)}")
        return value


class Benchmark(Strict):
    """How the benchmark of an indicator is set."""

    method: Literal["fixed", "population_mean", "previous_mean", "table"]
    value: float | None = None
    k: float = 1.0
    table: dict[int, float] | None = None
    published: bool = False

    @model_validator(mode="after")
    def _check(self):
        if self.method == "fixed" and (self.value is None or self.value <= 0):
            raise ValueError("fixed 基准值需要正数 value")
        if self.method == "table" and not self.table:
            raise ValueError("table 基准值需要按年度的 table")
        if self.k <= 0:
            raise ValueError("k 必须为正数")
        return self


class ScoredIndicator(Strict):
    """An indicator as scored in one population."""

    indicator: str
    weight: float = Field(gt=0)
    benchmark: Benchmark | None = None
    cap: float | None = Field(default=None, gt=0)
    floor: float | None = 0.0
    missing: Literal["zero", "population_mean_score", "not_rated"] = "zero"
    published: bool = False


class Band(Strict):
    """A class band: ranks whose percentile is ≤ `upper_percent` (inclusive) get `klass`, or score ≥ min_score."""

    klass: Literal["A", "B", "C", "D"] = Field(alias="class")
    upper_percent: float | None = Field(default=None, gt=0, le=100)
    min_score: float | None = None


class Classes(Strict):
    method: Literal["rank_bands", "score_thresholds"]
    bands: list[Band]
    group_by: Literal["industry_group"] | None = None
    published: bool = False

    @model_validator(mode="after")
    def _check(self):
        if self.method == "rank_bands":
            uppers = [b.upper_percent for b in self.bands]
            if any(u is None for u in uppers) or uppers != sorted(uppers) or uppers[-1] != 100:
                raise ValueError("rank_bands 的 upper_percent 须逐档递增且最后一档为 100")
        else:
            scores = [b.min_score for b in self.bands]
            if any(s is None for s in scores[:-1]) or scores[:-1] != sorted(scores[:-1], reverse=True):
                raise ValueError("score_thresholds 的 min_score 须逐档递减（最后一档可省略）")
        return self


class Population(Strict):
    """A population evaluated and ranked separately."""

    id: str
    name: str
    filter: Condition | None = None
    scoring: Literal["ratio", "minmax"] = "ratio"
    weights_total: float | None = None
    indicators: list[ScoredIndicator] = []
    classes: Classes | None = None

    @model_validator(mode="after")
    def _weights(self):
        if self.weights_total is not None:
            total = sum(i.weight for i in self.indicators)
            if abs(total - self.weights_total) > 1e-9:
                raise ValueError(f"权重合计应为 {self.weights_total:g}，实为 {total:g}")
        return self


class NotRated(Strict):
    """Firms matching `when` are not rated (class T / 不定等级) with `reason`."""

    when: Condition
    reason: str


class Adjustment(Strict):
    """A bonus or deduction: `steps[i]` points for the (i+1)-th unit of `per` (the last step repeats)."""

    id: str
    name: str
    kind: Literal["bonus", "deduction"]
    per: str
    steps: list[float] = Field(min_length=1)
    populations: list[str] | None = None
    cap: float | None = None
    published: bool = False

    @field_validator("per")
    @classmethod
    def _known(cls, value):
        if value not in INPUT_FIELDS or INPUT_FIELDS[value][0] != NUMBER:
            raise ValueError(f"未知数值字段 {value!r}")
        return value


class Veto(Strict):
    id: str
    name: str
    when: Condition
    action: Literal["force_D", "cap_at_C", "downgrade"]
    published: bool = False


class Tier(Strict):
    name: str
    below: float


class Tiers(Strict):
    indicator: str
    bands: list[Tier]
    published: bool = False

    @model_validator(mode="after")
    def _check(self):
        limits = [t.below for t in self.bands]
        if limits != sorted(limits):
            raise ValueError("档位 below 须递增")
        return self


class Policy(Strict):
    """A differentiated policy for a class held `min_consecutive_years` or more in a row."""

    element: Literal["electricity", "water", "gas", "sewage", "land_use_tax", "energy_quota", "land", "other"]
    name: str
    klass: Literal["A", "B", "C", "D", "T"] = Field(alias="class")
    min_consecutive_years: int = Field(default=1, ge=1)
    amount: float
    unit: str
    basis: str | None = None
    published: bool = False

    @field_validator("basis")
    @classmethod
    def _known(cls, value):
        if value is not None and value not in INPUT_FIELDS:
            raise ValueError(f"未知字段 {value!r}")
        return value


class Publication(Strict):
    """How the public notice (公示名单) and the page round numbers: the precision the source publishes."""

    score_decimals: int = Field(ge=0, le=6)
    value_decimals: int = Field(ge=0, le=6)
    source: str = Field(min_length=4)
    verified: bool


class Plausibility(Strict):
    """Results flagged 待复核 in the run: an indicator value (or a total) beyond `median_factor` × its population's
    median, in the indicator's better direction — the mark of an implausible input such as almost no land."""

    median_factor: float = Field(gt=1)
    source: str = Field(min_length=4)
    verified: bool


class Land(Strict):
    """How land is attributed to firms (一码管地)."""

    subtract_let_to_rated_tenants: bool = True
    leased: Literal["floor_over_plot_ratio", "floor_times_factor", "land_area", "none"] = "floor_over_plot_ratio"
    leased_factor: float = 1.0
    merge_tenants: bool = False


class RuleSet(Strict):
    """A complete evaluation method."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    family: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    name: str
    source: Source
    description: str = ""
    land: Land = Land()
    indicators: dict[str, Indicator] = {}
    not_rated: list[NotRated] = []
    populations: list[Population] = Field(min_length=1)
    industry_groups: dict[str, list[str]] | None = None
    adjustments: list[Adjustment] = []
    vetoes: list[Veto] = []
    tiers: Tiers | None = None
    policies: list[Policy] = []
    policy_combine: Literal["max", "sum"] = "max"
    publication: Publication | None = None
    plausibility: Plausibility | None = None

    @model_validator(mode="after")
    def _references(self):
        for p, population in enumerate(self.populations):
            for i, item in enumerate(population.indicators):
                if item.indicator not in self.indicators:
                    raise ValueError(f"populations[{p}].indicators[{i}]: 未定义的指标 {item.indicator!r}；"
                                     f"已定义：{', '.join(self.indicators) or '无'}")
                if population.scoring == "ratio" and item.benchmark is None:
                    raise ValueError(f"populations[{p}].indicators[{i}]: ratio 计分需要 benchmark")
            if population.classes and population.classes.group_by and not self.industry_groups:
                raise ValueError(f"populations[{p}].classes: group_by 需要 industry_groups")
        ids = [p.id for p in self.populations]
        for a, adjustment in enumerate(self.adjustments):
            for pid in adjustment.populations or []:
                if pid not in ids:
                    raise ValueError(f"adjustments[{a}]: 未知人群 {pid!r}；已定义：{', '.join(ids)}")
        if self.tiers and self.tiers.indicator not in self.indicators:
            raise ValueError(f"tiers: 未定义的指标 {self.tiers.indicator!r}")
        return self

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the validated rule set."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_ruleset_file(path: Path) -> RuleSet:
    """Parse and validate one YAML file; RuleSetError names the file and the YAML path of each problem."""
    return load_validated(path, RuleSet, noun="规则集", error=RuleSetError)


@cache
def builtin_rulesets() -> dict:
    """The rule sets shipped with parkgov, by id."""
    found = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        ruleset = load_ruleset_file(path)
        found[ruleset.id] = ruleset
    return found


def get_ruleset(identifier: str) -> RuleSet:
    """A built-in rule set by id, or a user's YAML file by path."""
    if identifier.endswith((".yaml", ".yml")):
        return load_ruleset_file(Path(identifier))
    rulesets = builtin_rulesets()
    if identifier not in rulesets:
        raise RuleSetError(f"未知规则集 {identifier}；内置：{'、'.join(rulesets)}；也可给出 YAML 文件路径")
    return rulesets[identifier]


def family_ids(ruleset_id: str) -> list:
    """Ids of the built-in rule sets in the same family as `ruleset_id` (yearly editions of one method)."""
    rulesets = builtin_rulesets()
    family = rulesets[ruleset_id].family if ruleset_id in rulesets else None
    if not family:
        return [ruleset_id]
    return sorted({ruleset_id} | {r.id for r in rulesets.values() if r.family == family})
