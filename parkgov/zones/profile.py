"""TD/T 1029 indicator profiles (profiles/*.yaml): goals → sub-goals → indicators with formula, unit, direction,
ideal value, weight, source and verified flag; the potentials; validated at load (errors name the file and YAML
path), with a content hash stored on every run.
"""

import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError
from parkgov.zones.fields import formula_names
from parkgov.zones.formula import Formula, parse

PROFILES_DIR = Path(__file__).parent / "profiles"
WEIGHT_TOLERANCE = 0.001


def _formula(text: str) -> Formula:
    return parse(text, allowed=set(formula_names()))


class Indicator(BaseModel):
    """One indicator (指标)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    formula: str
    unit: str
    direction: Literal["positive", "negative"]
    ideal: float = Field(ge=0)
    ideal_reason: str = Field(min_length=1)
    weight: float = Field(gt=0, le=1)
    source: str = Field(min_length=1)
    verified: bool
    _parsed: Formula = PrivateAttr()

    @field_validator("formula")
    @classmethod
    def _parses(cls, value):
        _formula(value)
        return value

    def model_post_init(self, _context):
        self._parsed = _formula(self.formula)

    @property
    def parsed(self) -> Formula:
        return self._parsed

    @model_validator(mode="after")
    def _ideal_of_positive(self):
        if self.direction == "positive" and self.ideal <= 0:
            raise ValueError("正向指标的理想值必须大于 0")
        return self


class SubGoal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    weight: float = Field(gt=0, le=1)
    indicators: list[Indicator] = Field(min_length=1)


class Goal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    weight: float = Field(gt=0, le=1)
    subgoals: list[SubGoal] = Field(min_length=1)


class Potential(BaseModel):
    """A potential (潜力, 公顷): `formula` over the account, or the gap of `indicators` to their ideal on `base`
    (mode share: base × (T − X) / 100 for a % share; mode intensity: base × (1 − X / T)), the largest counting."""

    model_config = ConfigDict(extra="forbid")
    code: Literal["expansion", "structure", "intensity", "management"]
    name: str
    formula: str | None = None
    indicators: list[str] = Field(default_factory=list)
    base: str | None = None
    mode: Literal["share", "intensity"] | None = None
    source: str = Field(min_length=1)
    verified: bool
    _parsed: Formula | None = PrivateAttr(default=None)

    @property
    def parsed(self) -> Formula | None:
        return self._parsed

    @model_validator(mode="after")
    def _one_way(self):
        if (self.formula is None) == (not self.indicators):
            raise ValueError("潜力须给出 formula，或 indicators 与 base、mode 之一")
        if self.formula is not None:
            self._parsed = _formula(self.formula)
        elif self.base is None or self.mode is None:
            raise ValueError("按指标差距测算的潜力须给出 base 与 mode")
        return self


class Profile(BaseModel):
    """An indicator profile."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    name: str
    area: Literal["main", "direction"]
    source: str = Field(min_length=1)
    verified: bool
    cap: bool = True
    goals: list[Goal] = Field(min_length=1)
    potentials: list[Potential] = Field(default_factory=list)
    _hash: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _weights_and_codes(self):
        _sums_to_one("goals", self.goals)
        codes = []
        for i, goal in enumerate(self.goals):
            _sums_to_one(f"goals[{i}].subgoals", goal.subgoals)
            for j, sub in enumerate(goal.subgoals):
                _sums_to_one(f"goals[{i}].subgoals[{j}].indicators", sub.indicators)
                codes += [ind.code for ind in sub.indicators]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"goals: 指标编码重复：{'、'.join(twice)}")
        for k, potential in enumerate(self.potentials):
            unknown = [c for c in potential.indicators if c not in codes]
            if unknown:
                raise ValueError(f"potentials[{k}].indicators: 未知指标 {'、'.join(unknown)}；可用：{'、'.join(codes)}")
        return self

    @property
    def indicators(self) -> list:
        """(goal, sub-goal, indicator) in order."""
        return [(g, s, i) for g in self.goals for s in g.subgoals for i in s.indicators]

    @property
    def content_hash(self) -> str:
        return self._hash


def _sums_to_one(path, items):
    total = sum(item.weight for item in items)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise ValueError(f"{path}: 权重之和为 {total:g}，应为 1")


def profile_ids() -> list:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


@cache
def get_profile(profile_id: str) -> Profile:
    """A built-in profile by id, or a YAML file by path (InputError naming the file and YAML path)."""
    path = Path(profile_id)
    if not path.suffix:
        path = PROFILES_DIR / f"{profile_id}.yaml"
        if not path.exists():
            raise InputError(f"没有指标体系 {profile_id}；可选：{'、'.join(profile_ids())}")
    profile = load_validated(path, Profile, noun="指标体系", error=InputError)
    profile._hash = hashlib.sha256(path.read_bytes()).hexdigest()
    return profile
