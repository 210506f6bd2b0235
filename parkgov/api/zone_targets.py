"""Targets and key-project endpoints (issue 16 §3), each limited to the caller's parks like the 目标与重点项目
pages: zone targets with completion, key projects with investment, late reports and score, a project's months,
and the monthly dispatch of one project."""

import datetime as dt

from django.db import transaction
from ninja import Field, Path, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.schemas import Code, responses
from parkgov.audit.context import acting_as
from parkgov.zones import projects as project_services
from parkgov.zones.target_rules import target_rules
from parkgov.zones.targets import targets_table

router = Router(tags=["目标与重点项目"])
DOMAIN = "zone_eval"


class YearFilter(Schema):
    year: int = Field(..., ge=2000, le=2100, description="年度")


class ProjectFilters(YearFilter):
    zone: Code | None = Field(None, description="园区编码")
    category: Code | None = Field(None, description="项目类别编码（zones/data/targets.yaml）")


class TargetPublic(Schema):
    zone_code: str
    year: int
    kind: str = Field(description="指标编码（zones/data/targets.yaml）")
    name: str
    unit: str
    target: float | None
    actual: float | None = Field(description="截至目前的累计完成")
    completion_pct: float | None


class ProjectPublic(Schema):
    code: str
    name: str
    zone_code: str
    year: int
    category: str
    category_name: str
    annual_target: float = Field(description="年度计划投资（万元）")
    invested: float = Field(description="累计完成投资（万元）")
    completion_pct: float | None
    progress_pct: float | None = Field(description="最近一次调度的形象进度（%）")
    late: int = Field(description="逾期报送的月数")
    missing: int = Field(description="过截止日未报送的月数")
    score: float = Field(description="年度考评得分")
    grade: str


class MonthPublic(Schema):
    month: int
    due: dt.date
    state: str = Field(description="on_time 按时、late 逾期报送、missing 未报送、not_due 未到期")
    invested: float | None
    progress_pct: float | None
    progress: str
    problems: str
    help_requested: str
    reported_on: dt.date | None


class DispatchIn(Schema):
    month: int = Field(..., ge=1, le=12)
    invested: float = Field(..., ge=0, description="本月完成投资（万元）")
    progress_pct: float | None = Field(None, ge=0, le=100, description="形象进度（%）")
    progress: str = Field("", max_length=2000)
    problems: str = Field("", max_length=2000)
    help_requested: str = Field("", max_length=2000)


@router.get("/zones/targets", response=responses(200, list[TargetPublic]), summary="园区年度目标完成情况")
def list_zone_targets(request, filters: Query[YearFilter]):
    """您数据范围内各园区该年度每项目标的年度目标、累计完成与完成率。"""
    scope = scope_of(request)
    scope.require(DOMAIN)
    kinds = {k.code: k for k in target_rules().kinds}
    return [{"zone_code": row["zone"].code, "year": filters.year, "kind": c["code"], "name": kinds[c["code"]].name,
             "unit": kinds[c["code"]].unit, "target": c["target"], "actual": c["actual"], "completion_pct": c["pct"]}
            for row in targets_table(year=filters.year, zone_ids=scope.zone_ids) for c in row["cells"]
            if c["target"] is not None or c["actual"] is not None]


def _project(row) -> dict:
    p = row["project"]
    return {"code": p.code, "name": p.name, "zone_code": p.zone.code, "year": p.year, "category": p.category,
            "category_name": row["category_name"], "annual_target": p.annual_target, "invested": row["invested"],
            "completion_pct": row["pct"], "progress_pct": row["last"].progress_pct if row["last"] else None,
            "late": row["late"], "missing": row["missing"], "score": row["score"]["score"],
            "grade": row["score"]["grade"]}


@router.get("/zones/projects", response=responses(200, list[ProjectPublic]), summary="重点项目")
def list_key_projects(request, filters: Query[ProjectFilters]):
    """您数据范围内该年度的重点项目：累计完成投资、完成率、逾期与未报送月数、年度考评得分。"""
    scope = scope_of(request)
    scope.require(DOMAIN)
    projects = project_services.scoped_projects(zone_ids=scope.zone_ids, year=filters.year,
                                                zone_code=filters.zone or "", category=filters.category or "")
    return [_project(row) for row in project_services.project_rows(projects=projects)]


def _months(project) -> list:
    return [{"month": r["month"], "due": r["due"], "state": r["state"],
             **({"invested": r["report"].invested, "progress_pct": r["report"].progress_pct,
                 "progress": r["report"].progress, "problems": r["report"].problems,
                 "help_requested": r["report"].help_requested, "reported_on": r["report"].reported_on}
                if r["report"] else {"invested": None, "progress_pct": None, "progress": "", "problems": "",
                                     "help_requested": "", "reported_on": None})}
            for r in project_services.month_rows(project=project)]


@router.get("/zones/projects/{code}/dispatch", response=responses(200, list[MonthPublic]), summary="重点项目月度调度")
def list_project_dispatch(request, code: Path[Code]):
    """一个重点项目全年 12 个月的调度（按时、逾期报送、未报送、未到期）。"""
    scope = scope_of(request)
    scope.require(DOMAIN)
    return _months(project_services.scoped_project(code=code, zone_ids=scope.zone_ids))


@router.post("/zones/projects/{code}/dispatch", response=responses(200, list[MonthPublic]), summary="报送月度调度")
def submit_project_dispatch(request, code: Path[Code], body: DispatchIn):
    """报送（或更正）一个月的调度；报送日期为今天，晚于次月截止日为逾期报送。"""
    scope = scope_of(request)
    scope.require(DOMAIN, write=True)
    project = project_services.scoped_project(code=code, zone_ids=scope.zone_ids)
    with acting_as(request.auth, reason="接口月度调度"), transaction.atomic():
        project_services.submit_report(project=project, year=project.year, actor_id=request.auth.pk, **body.dict())
    return _months(project)
