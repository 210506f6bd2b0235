"""The appeal data files, validated at load: the workflow (states, transitions, deadlines, roles), the 公示 and
self-report settings with the figure owners, and the working-day calendar. A bad file fails when it is loaded,
with an AppealConfigError naming the file and the YAML path of each problem.
"""

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from django.utils.translation import gettext_noop
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from parkgov.codes.datafiles import problems_text, read_mapping, validation_problems
from parkgov.errors import InputError
from parkgov.ledger.models import FIGURE_FIELDS

DATA = Path(__file__).resolve().parent / "data"
# Labels of the shipped workflow (shown through gettext; tests/test_appeals.py checks every label is listed here)
LABELS = (gettext_noop("已提交"), gettext_noop("已受理"), gettext_noop("已核查"), gettext_noop("维持"), gettext_noop("调整"),
          gettext_noop("不予受理"), gettext_noop("已答复"), gettext_noop("受理"), gettext_noop("核查"), gettext_noop("答复"),
          gettext_noop("提交申诉"), gettext_noop("评价结果（类别、得分、排名）"))
Requirement = Literal["reason", "value", "reply"]


class AppealConfigError(InputError):
    """An appeal data file is invalid; the message names the file and the YAML path of each problem."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class State(Strict):
    label: str
    final: bool = False
    deadline_working_days: int | None = Field(default=None, ge=1, le=60)


class Transition(Strict):
    label: str
    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    to: str
    roles: tuple[str, ...] = Field(min_length=1)
    owner_department: bool = False
    requires: tuple[Requirement, ...] = ()


class Workflow(Strict):
    source: str = Field(min_length=4)
    verified: bool
    states: dict[str, State]
    transitions: dict[str, Transition]

    @model_validator(mode="after")
    def _known(self):
        from parkgov.accounts.scopes import role_table

        roles = set(role_table()["roles"])
        for action, step in self.transitions.items():
            for state in (*step.from_, step.to):
                if state not in self.states:
                    raise ValueError(f"transitions.{action}: 未知状态 {state}")
            unknown = set(step.roles) - roles
            if unknown:
                raise ValueError(f"transitions.{action}.roles: 未知角色 {'、'.join(sorted(unknown))}")
        if "submitted" not in self.states:
            raise ValueError("states: 缺少初始状态 submitted")
        return self


class SelfReport(Strict):
    deadline: str = Field(pattern=r"^\d{2}-\d{2}$")
    fields: tuple[str, ...]


class Settings(Strict):
    source: str = Field(min_length=4)
    verified: bool
    publicity_working_days: int = Field(ge=1, le=30)
    self_report: SelfReport
    figure_owners: dict[str, str]

    @model_validator(mode="after")
    def _fields(self):
        unknown = [f for f in self.self_report.fields if f not in FIGURE_FIELDS]
        if unknown:
            raise ValueError(f"self_report.fields: 未知字段 {'、'.join(unknown)}")
        missing = [f for f in (*FIGURE_FIELDS, "result") if f not in self.figure_owners]
        if missing:
            raise ValueError(f"figure_owners: 缺少 {'、'.join(missing)}")
        from parkgov.codes.tables import code_table

        departments = code_table("departments").entries
        unknown = sorted({d for d in self.figure_owners.values() if d not in departments})
        if unknown:
            raise ValueError(f"figure_owners: 部门表 codes/data/departments.csv 中没有 {'、'.join(unknown)}")
        return self


class Calendar(Strict):
    source: str = Field(min_length=4)
    verified: bool
    holidays: tuple[dt.date | tuple[dt.date, dt.date], ...]
    workdays: tuple[dt.date, ...] = ()

    def holiday_set(self) -> frozenset:
        days = set()
        for entry in self.holidays:
            first, last = entry if isinstance(entry, tuple) else (entry, entry)
            days |= {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
        return frozenset(days)


def _load(name: str, model, noun: str):
    path = DATA / name
    data = read_mapping(path, noun=noun, error=AppealConfigError)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AppealConfigError(problems_text(noun, path.name, validation_problems(exc))) from exc


@cache
def workflow() -> Workflow:
    """appeals/data/workflow.yaml."""
    return _load("workflow.yaml", Workflow, "申诉流程文件")


@cache
def settings() -> Settings:
    """appeals/data/appeals.yaml."""
    return _load("appeals.yaml", Settings, "申诉设置文件")


@cache
def calendar() -> Calendar:
    """appeals/data/calendar.yaml."""
    return _load("calendar.yaml", Calendar, "工作日历文件")


def is_working_day(day: dt.date) -> bool:
    """Monday–Friday except public holidays, plus the 调休 working weekends (calendar.yaml)."""
    table = calendar()
    if day in table.workdays:
        return True
    return day.weekday() < 5 and day not in table.holiday_set()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (`start` itself not counted): the last day of a period that
    begins the working day after `start`."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` ≤ `start`)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
