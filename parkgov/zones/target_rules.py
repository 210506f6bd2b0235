"""The targets data file (data/targets.yaml): target kinds with units, key-project categories, the dispatch due
day and the annual project scoring rule, validated at load (errors name the file and the YAML path)."""

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError

TARGETS_FILE = Path(__file__).parent / "data" / "targets.yaml"
PART_CODES = ("investment", "progress", "timeliness")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Kind(_Strict):
    """One kind of zone target (固定资产投资, 新建标准厂房 …) and its unit."""

    code: str = Field(pattern=r"^[a-z_]+$")
    name: str = Field(min_length=1)
    unit: Literal["万元", "亩", "万平方米"]


class Category(_Strict):
    code: str = Field(pattern=r"^[a-z_]+$")
    name: str = Field(min_length=1)


class Dispatch(_Strict):
    due_day: int = Field(ge=1, le=28)
    source: str = Field(min_length=1)
    verified: bool

    def due_date(self, year: int, month: int) -> dt.date:
        """The day by which the report of (year, month) is due: `due_day` of the next month."""
        return dt.date(year + month // 12, month % 12 + 1, self.due_day)


class Part(_Strict):
    code: Literal[PART_CODES]
    name: str
    weight: float = Field(gt=0)
    cap: float = Field(gt=0)


class Grade(_Strict):
    minimum: float = Field(ge=0, le=100)
    name: str


class Scoring(_Strict):
    source: str = Field(min_length=1)
    verified: bool
    parts: list[Part] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        total = sum(p.weight for p in self.parts)
        if abs(total - 100) > 1e-9:
            raise ValueError(f"parts: 权重合计应为 100，现为 {total:g}")
        minimums = [g.minimum for g in self.grades]
        if minimums != sorted(minimums, reverse=True) or minimums[-1] != 0:
            raise ValueError(f"grades: 各档下限应从高到低且最后一档为 0，现为 {minimums}")
        return self

    def grade(self, score: float) -> str:
        return next(g.name for g in self.grades if score >= g.minimum)


class TargetRules(_Strict):
    id: str
    version: int
    source: str = Field(min_length=1)
    verified: bool
    kinds: list[Kind] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    dispatch: Dispatch
    scoring: Scoring

    @model_validator(mode="after")
    def _unique(self):
        for name in ("kinds", "categories"):
            codes = [item.code for item in getattr(self, name)]
            if len(set(codes)) != len(codes):
                raise ValueError(f"{name}: 编码重复 {sorted(c for c in set(codes) if codes.count(c) > 1)}")
        return self

    def kind(self, code: str) -> Kind:
        found = next((k for k in self.kinds if k.code == code), None)
        if found is None:
            raise InputError(f"目标指标 {code} 未定义；允许：{'、'.join(k.code for k in self.kinds)}")
        return found

    def category_names(self) -> dict:
        return {c.code: c.name for c in self.categories}


@cache
def target_rules(path: Path = TARGETS_FILE) -> TargetRules:
    """The validated data file (InputError naming the file and YAML path of each problem)."""
    return load_validated(path, TargetRules, noun="目标与重点项目规则", error=InputError)
