"""The data of issue 16 §2, validated at load (errors name the file and YAML path): green indicator profiles
(data/green/*.yaml: indicators, targets, baseline year), the 底线 indicator set of each year
(data/bottom_line/<year>.yaml), the consequence rules (data/bottom_line/consequences.yaml) and the leading-industry
rule (data/leading_industries.yaml). Each item carries its `source` and `verified` flag.
"""

import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError, NotFound

DATA_DIR = Path(__file__).parent / "data"
GREEN_DIR = DATA_DIR / "green"
BOTTOM_LINE_DIR = DATA_DIR / "bottom_line"
DEFAULT_GREEN = "suqian_2017"

# what green.py computes per zone and year; an indicator or a 底线 names one of them
Measure = Literal["energy_intensity", "water_intensity", "energy_intensity_change_pct", "water_intensity_change_pct",
                  "solid_waste_utilisation", "iso14001"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GreenIndicator(_Strict):
    """One green indicator: `reduction` = change against the baseline year ≤ target (%); `minimum` = value ≥ target;
    `certified` = the zone holds the certificate."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    measure: Literal["energy_intensity", "water_intensity", "solid_waste_utilisation", "iso14001"]
    unit: str
    kind: Literal["reduction", "minimum", "certified"]
    target: float
    formula: str = Field(min_length=1)
    source: str = Field(min_length=1)
    verified: bool

    @model_validator(mode="after")
    def _kind_fits(self):
        if self.kind == "reduction" and self.target >= 0:
            raise ValueError("降幅指标的目标须为负数（较基准年变化的百分比，如 -10）")
        if (self.kind == "certified") != (self.measure == "iso14001"):
            raise ValueError("认证类指标（kind: certified）须且只能用于 measure: iso14001")
        return self


class GreenProfile(_Strict):
    """A green indicator profile: its indicators, the baseline year of the reductions, the firms it counts."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    name: str
    baseline_year: int = Field(ge=2000, le=2100)
    firms: Literal["above_scale", "all"]
    source: str = Field(min_length=1)
    verified: bool
    indicators: list[GreenIndicator] = Field(min_length=1)
    _hash: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _unique(self):
        codes = [i.code for i in self.indicators]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"indicators: 指标编码重复：{'、'.join(twice)}")
        return self

    @property
    def content_hash(self) -> str:
        return self._hash


class BottomLineIndicator(_Strict):
    """One 底线指标: the measure, the comparison and the limit."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    measure: Measure
    op: Literal["<=", ">=", "=="]
    limit: float
    unit: str = ""
    source: str = Field(min_length=1)
    verified: bool


class BottomLineSet(_Strict):
    """The 底线指标 published for one year (suqian §22: 每年公布本年度考核的底线指标)."""

    year: int = Field(ge=2000, le=2100)
    version: int = Field(ge=1)
    name: str
    green_profile: str = DEFAULT_GREEN
    source: str = Field(min_length=1)
    verified: bool
    indicators: list[BottomLineIndicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        codes = [i.code for i in self.indicators]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"indicators: 指标编码重复：{'、'.join(twice)}")
        return self


class ConsequenceRule(_Strict):
    """`min_failed` or more 底线 failed in each of `years_running` consecutive years → `consequence`."""

    consequence: Literal["通报约谈", "问责"]
    min_failed: int = Field(ge=1)
    years_running: int = Field(ge=1, le=5)
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    verified: bool


class ConsequenceRules(_Strict):
    """The rules, most severe first: the first that holds is the zone's outcome of the year."""

    id: str
    version: int = Field(ge=1)
    missing_counts_as_failed: bool
    missing_source: str = Field(min_length=1)
    rules: list[ConsequenceRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _severe_first(self):
        spans = [r.years_running for r in self.rules]
        if spans != sorted(spans, reverse=True):
            raise ValueError("rules: 须按严重程度排列（连续年数 years_running 多的在前）")
        return self


class IndustryRule(_Strict):
    """At most `max_leading` leading industries per park; an industry (GB/T 4754 `level`) leads a park when its
    share of the park's `measure` reaches `min_share` %."""

    id: str
    version: int = Field(ge=1)
    max_leading: int = Field(ge=1)
    max_source: str = Field(min_length=1)
    max_verified: bool
    level: Literal["division", "class"]
    measure: Literal["output_value", "value_added", "revenue"]
    min_share: float = Field(gt=0, lt=100)
    share_source: str = Field(min_length=1)
    share_verified: bool


def green_profile_ids() -> list:
    return sorted(p.stem for p in GREEN_DIR.glob("*.yaml"))


@cache
def green_profile(profile_id: str = DEFAULT_GREEN) -> GreenProfile:
    """A built-in green profile by id, or a YAML file by path."""
    path = Path(profile_id)
    if not path.suffix:
        path = GREEN_DIR / f"{profile_id}.yaml"
        if not path.exists():
            raise InputError(f"没有绿色指标体系 {profile_id}；可选：{'、'.join(green_profile_ids())}")
    profile = load_validated(path, GreenProfile, noun="绿色指标体系", error=InputError)
    profile._hash = hashlib.sha256(path.read_bytes()).hexdigest()
    return profile


def bottom_line_years() -> list:
    return sorted(int(p.stem) for p in BOTTOM_LINE_DIR.glob("[0-9]*.yaml"))


@cache
def bottom_line_set(year: int) -> BottomLineSet:
    """The 底线指标 of `year` (NotFound when none is published for it)."""
    path = BOTTOM_LINE_DIR / f"{year}.yaml"
    if not path.exists():
        years = "、".join(str(y) for y in bottom_line_years()) or "无"
        raise NotFound(f"没有 {year} 年的底线指标（zones/data/bottom_line/{year}.yaml）；已公布：{years}")
    found = load_validated(path, BottomLineSet, noun="底线指标", error=InputError)
    if found.year != year:
        raise InputError(f"底线指标 {path.name}: year 为 {found.year}，与文件名 {year} 不符")
    green_profile(found.green_profile)
    return found


@cache
def consequence_rules() -> ConsequenceRules:
    return load_validated(BOTTOM_LINE_DIR / "consequences.yaml", ConsequenceRules, noun="底线后果规则", error=InputError)


@cache
def industry_rule() -> IndustryRule:
    return load_validated(DATA_DIR / "leading_industries.yaml", IndustryRule, noun="主导产业规则", error=InputError)
