"""The land-control and land-quota rules as data: the editions of 工业项目建设用地控制指标 (supply/data/
control_indicators/<year>.yaml), the GB/T 4754-2017 → 2002 crosswalk, how the checks round and what counts as
industrial land (checks.yaml), and who records quota movements (supply/data/quota_rules.yaml).

Every file is validated when loaded (parkgov.codes.datafiles.load_validated): an unknown field, a bad bound, an
industry code that is not a 2-digit major class or two editions starting on the same day fail with the file's
name and the YAML path. Loaded once per process.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import ConfigError

DATA_DIR = Path(__file__).resolve().parent / "data"
CONTROL_DIR = DATA_DIR / "control_indicators"
INDICATORS = ("plot_ratio", "building_coefficient", "admin_share", "green_ratio")
BOUNDS = {"plot_ratio": "min", "building_coefficient": "min", "admin_share": "max", "green_ratio": "max"}
UNITS = {"plot_ratio": "", "building_coefficient": "%", "admin_share": "%", "green_ratio": "%"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    citation: str = Field(min_length=1)
    note: str = ""


class Limit(Strict):
    """One indicator of an edition: a default limit and/or limits by industry major class (2-digit code)."""

    default: float | None = Field(None, ge=0)
    by_industry: dict[str, float] = {}
    note: str = ""

    @field_validator("by_industry")
    @classmethod
    def _codes(cls, value):
        bad = [code for code in value if not (len(code) == 2 and code.isdigit())]
        if bad:
            raise ValueError(f"行业代码应为两位大类代码：{'、'.join(bad)}")
        negative = [code for code, limit in value.items() if limit < 0]
        if negative:
            raise ValueError(f"限值不能为负数：{'、'.join(negative)}")
        return value


class Edition(Strict):
    """One edition of the control indicators, applying to land supplied on or after `applies_from` (until the
    next edition starts)."""

    id: str = Field(pattern=r"^\d{4}$")
    name: str
    document: str
    applies_from: dt.date
    source: Source
    verified: bool
    industry_classification: Literal["gbt4754_2002", "gbt4754_2017"]
    indicators: dict[Literal["plot_ratio", "building_coefficient", "admin_share", "green_ratio"], Limit]


class Checks(Strict):
    source: Source
    verified: bool
    industrial_land_use_prefixes: list[str] = Field(min_length=1)
    decimals: dict[Literal["plot_ratio", "building_coefficient", "admin_share", "green_ratio"], int]
    renovation_tolerance_ratio: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _every_indicator(self):
        missing = [i for i in INDICATORS if i not in self.decimals]
        if missing:
            raise ValueError(f"decimals: 缺少指标 {'、'.join(missing)}")
        return self


class Crosswalk(Strict):
    source: Source
    verified: bool
    rows: dict[str, str]

    @field_validator("rows")
    @classmethod
    def _codes(cls, value):
        bad = [f"{k}→{v}" for k, v in value.items() if not (k.isdigit() and 2 <= len(k) <= 4 and len(v) == 2
                                                                and v.isdigit())]
        if bad:
            raise ValueError(f"对照行应为 2017 年代码前缀（2–4 位）→ 2002 年两位大类：{'、'.join(bad)}")
        return value


class QuotaRules(Strict):
    source: Source
    verified: bool
    credit_workflows: list[str] = Field(min_length=1)
    debit_roles: list[str] = Field(min_length=1)
    request_roles: list[str] = Field(min_length=1)
    decide_roles: list[str] = Field(min_length=1)
    decimals: int = Field(ge=0, le=8)


class ControlRules(BaseModel):
    """Everything the control engine needs: the editions in date order, the checks and the crosswalk."""

    model_config = ConfigDict(frozen=True)

    editions: tuple[Edition, ...]
    checks: Checks
    crosswalk: Crosswalk

    def edition(self, edition_id: str) -> Edition | None:
        return next((e for e in self.editions if e.id == edition_id), None)


def load_control_rules(folder: Path = CONTROL_DIR) -> ControlRules:
    """Validate and load the editions (files named by their year) with checks.yaml and industry_crosswalk.yaml."""
    folder = Path(folder)
    editions = [load_validated(path, Edition, noun="控制指标文件", error=ConfigError)
                for path in sorted(folder.glob("*.yaml")) if path.stem.isdigit()]
    if not editions:
        raise ConfigError(f"{folder} 中没有控制指标版本文件（如 2008.yaml）")
    for path, edition in zip(sorted(p for p in folder.glob("*.yaml") if p.stem.isdigit()), editions):
        if edition.id != path.stem:
            raise ConfigError(f"控制指标文件 {path.name} 有 1 处错误：\n  - id: 应与文件名一致（{path.stem}），实为 {edition.id}")
    editions.sort(key=lambda e: e.applies_from)
    starts = [e.applies_from for e in editions]
    if len(set(starts)) != len(starts):
        raise ConfigError(f"控制指标版本的 applies_from 重复：{'、'.join(str(s) for s in starts)}")
    checks = load_validated(folder / "checks.yaml", Checks, noun="控制指标核查设置", error=ConfigError)
    crosswalk = load_validated(folder / "industry_crosswalk.yaml", Crosswalk, noun="行业代码对照表", error=ConfigError)
    return ControlRules(editions=tuple(editions), checks=checks, crosswalk=crosswalk)


@cache
def control_rules() -> ControlRules:
    """The shipped rules (loaded once per process)."""
    return load_control_rules()


@cache
def quota_rules(path: Path = DATA_DIR / "quota_rules.yaml") -> QuotaRules:
    """Who records quota movements and which workflows release quota (loaded once per process)."""
    return load_validated(path, QuotaRules, noun="用地指标规则", error=ConfigError)
