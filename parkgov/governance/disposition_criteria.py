"""四个一批 criteria are data: YAML files in governance/criteria/ validated at load into these pydantic models.

A criteria file names the parameters of each fact (plan compliance, 亩均 efficiency, buildings, findings,
backward capacity) with their sources, and an ordered list of rules: the first rule whose facts hold gives
the suggestion. An unknown field, fact, disposition, land-use or industry code → CriteriaError naming the
file and the YAML path, listing what is allowed.
"""

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parkgov.codes.tables import code_table
from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError

BUILTIN_DIR = Path(__file__).resolve().parent / "criteria"
FACTS = ("complies_with_plan", "low_efficiency", "lower_efficiency", "old_buildings", "poor_buildings",
         "open_findings", "unfixable_findings", "backward_capacity")
DISPOSITIONS = ("rebuild", "upgrade", "convert", "exit")
QUALITIES = ("good", "fair", "poor", "dangerous")
CLASSES = ("A", "B", "C", "D")


class CriteriaError(InputError):
    """A criteria file is invalid; the message names the file and the YAML path."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    source: str = Field(min_length=4)
    verified: bool


class PlanCompliance(Sourced):
    """A parcel complies when the share of its area planned for industry is at least `min_share`."""

    industrial_codes: list[str] = Field(min_length=1)
    min_share: float = Field(gt=0, le=1)
    when_unknown: Literal["complies", "does_not_comply"]

    @field_validator("industrial_codes")
    @classmethod
    def _known(cls, codes):
        table = code_table("land_use_2023")
        unknown = [c for c in codes if c not in table]
        if unknown:
            raise ValueError(f"不是用地用海分类代码：{'、'.join(unknown)}（如 1001 工业用地、100101 一类工业用地）")
        return codes


class EfficiencyBand(Strict):
    """Classes (A–D) or tiers (tier names of the evaluation rule set) that make a firm's 亩均效益 this low."""

    classes: list[Literal["A", "B", "C", "D"]] = []
    tiers: list[str] = []


class Efficiency(Sourced):
    low: EfficiencyBand
    lower: EfficiencyBand


class Buildings(Sourced):
    old_age_years: int = Field(ge=1, le=200)
    poor_quality: list[Literal["good", "fair", "poor", "dangerous"]] = Field(min_length=1)


class BackwardCapacity(Sourced):
    """GB/T 4754-2017 codes (class or a higher level: a prefix) of industries treated as backward capacity."""

    industry_codes: list[str] = Field(min_length=1)

    @field_validator("industry_codes")
    @classmethod
    def _known(cls, codes):
        table = code_table("gbt4754_2017")
        unknown = [c for c in codes if c not in table]
        if unknown:
            raise ValueError(f"不是 GB/T 4754-2017 行业代码：{'、'.join(unknown)}")
        return codes


class Rule(Strict):
    """The first rule (in file order) whose `all` facts all hold and of whose `any` facts one holds wins.

    A fact written `not <fact>` holds when the fact does not."""

    disposition: Literal["rebuild", "upgrade", "convert", "exit"]
    name: str = Field(min_length=2)
    all: list[str] = []
    any: list[str] = []

    @field_validator("all", "any")
    @classmethod
    def _facts(cls, items):
        for item in items:
            if re.sub(r"^not\s+", "", item) not in FACTS:
                raise ValueError(f"未知判定项 {item!r}；允许：{', '.join(FACTS)}（可加前缀 not ）")
        return items

    @model_validator(mode="after")
    def _some(self):
        if not self.all and not self.any:
            raise ValueError("规则须至少有 all 或 any 之一")
        return self


class Criteria(Strict):
    """A complete set of 四个一批 criteria."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    name: str
    source: str = Field(min_length=4)
    verified: bool
    plan_compliance: PlanCompliance
    efficiency: Efficiency
    buildings: Buildings
    backward_capacity: BackwardCapacity
    rules: list[Rule] = Field(min_length=1)
    default: Literal["rebuild", "upgrade", "convert", "exit"]
    default_name: str = Field(min_length=2)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the validated criteria."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_criteria(path: Path) -> Criteria:
    """Parse and validate one YAML file; CriteriaError names the file and the YAML path of each problem."""
    return load_validated(path, Criteria, noun="四个一批判定标准", error=CriteriaError)


@cache
def builtin_criteria() -> dict:
    """The criteria shipped with parkgov, by id."""
    return {c.id: c for c in (load_criteria(p) for p in sorted(BUILTIN_DIR.glob("*.yaml")))}


def get_criteria(identifier: str = "shengzhou-2021") -> Criteria:
    """Built-in criteria by id, or a YAML file by path."""
    if identifier.endswith((".yaml", ".yml")):
        return load_criteria(Path(identifier))
    found = builtin_criteria()
    if identifier not in found:
        raise CriteriaError(f"未知判定标准 {identifier}；内置：{'、'.join(found)}；也可给出 YAML 文件路径")
    return found[identifier]
