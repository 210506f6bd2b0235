"""标准地 indicators (supply/data/indicators.yaml) and breach rules (supply/breach_rules/*.yaml) as validated data.

A bad file raises ContractRulesError naming the file and the YAML path (codes/datafiles.load_validated).
`rules_hash()` fingerprints both, for the review runs.
"""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Literal

from django.utils.translation import gettext_noop
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError

HERE = Path(__file__).resolve().parent
INDICATORS_FILE = HERE / "data" / "indicators.yaml"
BREACH_DIR = HERE / "breach_rules"
PARCEL_SOURCES = ("land_mu", "registered_area_m2", "floor_area_m2", "footprint_area_m2")
CONTRACT_SOURCES = ("invested", "total_investment", "developed_area_m2")
YEARLY_SOURCES = ("tax", "revenue", "output_value", "value_added", "energy_tce", "emissions_t", "rd_expense",
                  "employees", "fixed_investment")
STAGE_LABELS = {"completion": gettext_noop("竣工"), "production": gettext_noop("达产")}


class ContractRulesError(InputError):
    """An indicator or breach-rule file is invalid."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    citation: str = Field(min_length=4)
    url: str = ""
    note: str = ""


def _check_source(value: str) -> str:
    table, _, field = value.partition(".")
    allowed = {"parcel": PARCEL_SOURCES, "contract": CONTRACT_SOURCES, "yearly": YEARLY_SOURCES,
               "yearly_total": YEARLY_SOURCES}
    if table not in allowed or field not in allowed[table]:
        raise ValueError(f"未知的数据来源 {value!r}；允许：parcel.{{{','.join(PARCEL_SOURCES)}}}、"
                         f"contract.{{{','.join(CONTRACT_SOURCES)}}}、yearly.<字段>、yearly_total.<字段>"
                         f"（字段：{','.join(YEARLY_SOURCES)}）")
    return value


class Indicator(Strict):
    """One committed indicator: code, name, unit, direction, stage, and numerator / denominator × scale."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=2)
    header: str = Field(min_length=2)
    unit: str = ""
    direction: Literal[">=", "<="]
    stage: Literal["completion", "production"]
    numerator: list[str] = Field(min_length=1)
    denominator: str
    scale: float = 1

    @field_validator("numerator")
    @classmethod
    def _numerators(cls, values):
        return [_check_source(v) for v in values]

    @field_validator("denominator")
    @classmethod
    def _denominator(cls, value):
        return _check_source(value)

    @property
    def column_header(self) -> str:
        """The 标准地承诺 sheet header: 投资强度(万元/亩), 容积率, 建筑系数(%) …"""
        return f"{self.header}（{self.unit}）" if self.unit else self.header

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


class IndicatorSet(Strict):
    source: Source
    verified: bool
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        codes = [i.code for i in self.indicators]
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        if duplicated:
            raise ValueError(f"indicators: 指标代码重复：{'、'.join(duplicated)}")
        return self

    def get(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)


class BreachRule(Strict):
    """Damages = land price × rate_per_point_pct % × shortfall points (sum or max over the unmet indicators),
    at most cap_pct % of the land price; rectification_days to rectify; recovery after the N-th failure."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    name: str = Field(min_length=2)
    rate_per_point_pct: float = Field(gt=0, le=100)
    cap_pct: float = Field(gt=0, le=100)
    combine: Literal["sum", "max"] = "sum"
    rectification_days: int = Field(ge=1, le=3650)
    recovery_after: int = Field(ge=1, le=10)
    recovery: Literal["收回", "回购"]
    source: Source
    verified: bool


@cache
def indicator_set(path: Path = INDICATORS_FILE) -> IndicatorSet:
    """The indicator definitions (cached)."""
    return load_validated(path, IndicatorSet, noun="标准地指标文件", error=ContractRulesError)


@cache
def breach_rules(directory: Path = BREACH_DIR) -> dict[str, BreachRule]:
    """Every breach rule by id; a file whose id differs from its name, or a repeated id, is refused."""
    rules = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        rule = load_validated(path, BreachRule, noun="违约规则文件", error=ContractRulesError)
        if rule.id != path.stem:
            raise ContractRulesError(f"违约规则文件 {path.name} 有 1 处错误：\n  - id: 应与文件名一致（{path.stem}）")
        rules[rule.id] = rule
    if not rules:
        raise ContractRulesError(f"{directory} 中没有违约规则文件（*.yaml）")
    return rules


def rules_hash() -> str:
    """SHA-256 of the indicator set and every breach rule, as validated."""
    payload = {"indicators": indicator_set().model_dump(mode="json"),
               "breach": {k: v.model_dump(mode="json") for k, v in sorted(breach_rules().items())}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


SOURCE_LABELS = {
    "parcel.land_mu": "土地面积", "parcel.registered_area_m2": "土地面积", "parcel.floor_area_m2": "总建筑面积",
    "parcel.footprint_area_m2": "建筑基底面积", "contract.invested": "已完成投资",
    "contract.total_investment": "约定总投资", "contract.developed_area_m2": "已开发面积",
    "yearly.tax": "评价税收", "yearly.revenue": "营业收入", "yearly.output_value": "工业总产值",
    "yearly.value_added": "工业增加值", "yearly.energy_tce": "综合能耗", "yearly.emissions_t": "主要污染物排放量",
    "yearly.rd_expense": "研发经费支出", "yearly.employees": "年平均职工人数", "yearly.fixed_investment": "固定资产投资",
}


def source_label(source: str) -> str:
    """Chinese name of a data source (yearly_total.x reads as 累计 + the yearly label)."""
    if source.startswith("yearly_total."):
        return "累计" + SOURCE_LABELS["yearly." + source.split(".", 1)[1]]
    return SOURCE_LABELS.get(source, source)
