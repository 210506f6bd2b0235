"""The parcel → land-category table (data/land_categories.yaml), validated at load like every data file."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError
from parkgov.ledger import choices
from parkgov.zones.fields import BY_CODE

CATEGORIES_FILE = Path(__file__).parent / "data" / "land_categories.yaml"
GROUP_PREFIX = {"status": ("A", "B", "C"), "supply": ("D",), "available": ("E",), "idle": ("G",)}


class Condition(BaseModel):
    """All stated conditions must hold (a list: any of its values)."""

    model_config = ConfigDict(extra="forbid")
    supply_status: list[Literal[tuple(choices.SupplyStatus.values)]] | None = None
    ownership: list[Literal[tuple(choices.Ownership.values)]] | None = None
    supply_method: list[Literal[tuple(choices.SupplyMethod.values)]] | None = None
    land_use: list[str] | None = None
    expired: bool | None = None


class CategoryRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: Condition = Field(default_factory=Condition)
    category: str | None


class CategoryTable(BaseModel):
    """Per group, the ordered rules; the first that matches gives the category."""

    model_config = ConfigDict(extra="forbid")
    id: str
    version: int
    source: str = Field(min_length=1)
    verified: bool
    status: list[CategoryRule]
    supply: list[CategoryRule]
    available: list[CategoryRule]
    idle: list[CategoryRule]
    covered: list[str]
    tolerance: float = Field(ge=0)

    @model_validator(mode="after")
    def _categories_fit_their_group(self):
        for group, prefixes in GROUP_PREFIX.items():
            for i, rule in enumerate(getattr(self, group)):
                code = rule.category
                if code is None:
                    continue
                if code not in BY_CODE or not code.startswith(prefixes):
                    allowed = "、".join(c for c in BY_CODE if c.startswith(prefixes) and len(c) <= 3)
                    raise ValueError(f"{group}[{i}].category: 类别 {code} 不属于本组；允许：{allowed}")
        unknown = [c for c in self.covered if c not in BY_CODE or c[0] not in "ABCDEG"]
        if unknown:
            raise ValueError(f"covered: 未知类别 {'、'.join(unknown)}")
        return self

    def groups(self) -> dict:
        return {g: getattr(self, g) for g in GROUP_PREFIX}


@cache
def category_table(path: Path = CATEGORIES_FILE) -> CategoryTable:
    """The validated table (InputError naming the file and YAML path of each problem)."""
    return load_validated(path, CategoryTable, noun="地块类别对应表", error=InputError)
