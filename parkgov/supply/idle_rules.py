"""The idle-land rules (闲置土地处置办法, order No. 53) as data: supply/data/idle_rules.yaml validated into these
pydantic models. Every mark, share and window carries the article it comes from and a `verified` flag; a bad file
→ IdleRulesError naming the file and the YAML path.
"""

import hashlib
import json
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError
from parkgov.supply.choices import IdleStatus, NoticeKind

RULES_PATH = Path(__file__).resolve().parent / "data" / "idle_rules.yaml"
SUPPLY_STATUSES = ("approved_not_supplied", "supplied_not_used", "in_use", "idle", "reserved")


class IdleRulesError(InputError):
    """The idle-land rules file is invalid; the message names the file and the YAML path."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    citation: str = Field(min_length=4)
    url: str = ""
    note: str = ""


class Cited(Strict):
    """A rule's article and whether it has been checked against the official text."""

    article: str = Field(min_length=2)
    text: str = ""
    verified: bool


class DayRule(Cited):
    """How "满一年" falls on the calendar: the anniversary counts on the day itself (`on_or_after`); an agreed
    date of 29 February falls on 28 February (`month_end`) or 1 March (`next_day`) in a common year."""

    anniversary: Literal["on_or_after"]
    leap_day: Literal["month_end", "next_day"]


class Mark(Cited):
    years: int = Field(ge=1, le=10)


class Fee(Cited):
    share_pct: float = Field(gt=0, le=100)
    base: Literal["land_price"]


def _fraction(value) -> float:
    try:
        number = float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"应为 0 到 1 之间的分数或小数（如 1/3、0.25），实为 {value!r}") from None
    if not 0 < number < 1:
        raise ValueError(f"应在 0 到 1 之间，实为 {value!r}")
    return number


class Stalled(Cited):
    """Started but developed < `developed_share_below` of the area or invested < `invested_share_below` of the
    agreed total, and stopped `stopped_years` full years (Art. 2 ¶2)."""

    developed_share_below: float
    invested_share_below: float
    stopped_years: int = Field(ge=1, le=10)
    recover: bool

    _shares = field_validator("developed_share_below", "invested_share_below", mode="before")(
        classmethod(lambda cls, v: _fraction(v)))


class Warning_(Cited):
    days: int = Field(ge=0, le=366)


class Government(Cited):
    extension_cap_years: int = Field(ge=0, le=5)


class AnswerDays(Strict):
    days: int = Field(ge=1, le=365)
    article: str = Field(min_length=2)
    verified: bool


def _known_kinds(kinds) -> None:
    unknown = sorted(set(kinds) - set(NoticeKind.values))
    if unknown:
        raise ValueError(f"未知文书类型 {', '.join(unknown)}；允许：{', '.join(NoticeKind.values)}")


class Notices(Strict):
    """Answer periods after service, and which notices must precede a notice (issued no later than it)."""

    answer_days: dict[str, AnswerDays]
    requires: dict[str, list[str]] = {}
    order_article: str = ""
    order_verified: bool = False

    @field_validator("answer_days")
    @classmethod
    def _kinds(cls, value):
        _known_kinds(value)
        return value

    @field_validator("requires")
    @classmethod
    def _order(cls, value):
        _known_kinds(list(value) + [k for kinds in value.values() for k in kinds])
        return value


class ListFeed(Strict):
    """The governance list the idle statuses feed (治理清单): its id, name, department and a sub-list per status."""

    id: str = Field(min_length=2)
    version: int = Field(ge=1)
    name: str
    owner_department: str
    categories: dict[str, str]

    @field_validator("categories")
    @classmethod
    def _statuses(cls, value):
        unknown = sorted(set(value) - set(IdleStatus.values))
        if unknown:
            raise ValueError(f"未知闲置状态 {', '.join(unknown)}；允许：{', '.join(IdleStatus.values)}")
        return value


class IdleRules(Strict):
    id: str = Field(min_length=2)
    version: int = Field(ge=1)
    name: str
    source: Source
    verified: bool
    supplied_statuses: list[str] = Field(min_length=1)
    day_rule: DayRule
    idle: Mark
    recover: Mark
    fee: Fee
    stalled: Stalled
    warning: Warning_
    government: Government
    notices: Notices
    list: ListFeed

    @field_validator("supplied_statuses")
    @classmethod
    def _statuses(cls, value):
        unknown = sorted(set(value) - set(SUPPLY_STATUSES))
        if unknown:
            raise ValueError(f"未知供地状态 {', '.join(unknown)}；允许：{', '.join(SUPPLY_STATUSES)}")
        return value

    @model_validator(mode="after")
    def _marks(self):
        if self.recover.years <= self.idle.years:
            raise ValueError("recover.years: 无偿收回的年限应大于认定闲置的年限")
        return self

    @property
    def digest(self) -> str:
        """SHA-256 of the rules' content, for a review run's rules hash."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_idle_rules(path: Path | None = None) -> IdleRules:
    """The idle-land rules from `path` (default supply/data/idle_rules.yaml), validated."""
    return load_validated(Path(path or RULES_PATH), IdleRules, noun="闲置土地规则", error=IdleRulesError)


@cache
def idle_rules() -> IdleRules:
    """The shipped rules, loaded once per process."""
    return load_idle_rules()
