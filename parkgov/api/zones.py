"""Zone evaluation endpoints (issue 16 §1): runs of the TD/T 1029 evaluation, their results and the zone land
accounts, each limited to the caller's parks like the 园区评价 pages."""

from datetime import datetime
from typing import Any

from django.db.models import F
from ninja import Field, Path, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.queries import page_of
from parkgov.api.schemas import Code, PageParams, responses
from parkgov.errors import NotFound
from parkgov.zones import services
from parkgov.zones.fields import FIELDS

router = Router(tags=["园区评价"])


class ZoneRunPublic(Schema):
    id: int
    year: int
    profile_id: str
    profile_version: int
    profile_name: str
    profile_hash: str
    input_hash: str
    created_at: datetime
    zones: int


class ZoneRunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ZoneRunPublic]


class ZoneRunFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="评价年度")
    profile_id: Code | None = Field(None, description="指标体系编号")


class ZoneResultPublic(Schema):
    zone_code: str
    zone_name: str
    total: float | None = Field(description="集约度分值")
    total_text: str
    stars: int | None
    rank: int | None
    rank_of: int | None
    supply_years: float | None = Field(description="尚可供地年数")
    supply_years_text: str
    missing: str
    indicators: list[dict[str, Any]] = Field(description="每个指标：名称、数值、单位、理想值、实现度分值、权重、公式与输入")
    potentials: list[dict[str, Any]] = Field(description="扩展、结构、强度、管理潜力（公顷）及计算")


class ZoneResultPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ZoneResultPublic]


class ZoneAccountPublic(Schema):
    zone_code: str
    year: int
    values: dict[str, float | None] = Field(description="土地账各项（公顷、万平方米、万元、人）")
    provenance: dict[str, Any] = Field(description="每项来源：entered（填报）或 derived（台账推算）")
    problems: list[dict[str, Any]]


class ZoneAccountPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ZoneAccountPublic]


class ZoneAccountFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度")


@router.get("/zones/evaluations", response=responses(200, ZoneRunPage), summary="园区评价批次")
def list_zone_runs(request, filters: Query[ZoneRunFilters], page: Query[PageParams]):
    """园区评价（TD/T 1029）批次，新的在前。"""
    scope_of(request).require("zone_eval")
    rows = services.runs(year=filters.year, profile_id=filters.profile_id).values(
        "id", "year", "profile_id", "profile_version", "profile_name", "profile_hash", "input_hash", "created_at",
        "zones")
    return page_of(rows, limit=page.limit, offset=page.offset)


@router.get("/zones/evaluations/{run_id}/results", response=responses(200, ZoneResultPage), summary="园区评价结果")
def list_zone_results(request, run_id: Path[int], page: Query[PageParams]):
    """一个批次中您数据范围内园区的结果，按排名。"""
    scope = scope_of(request)
    scope.require("zone_eval")
    run = services.runs().filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"园区评价批次 {run_id} 不存在")
    rows = services.scoped_results(run=run, zone_ids=scope.zone_ids).order_by("rank", "zone__code").values(
        "total", "total_text", "stars", "rank", "rank_of", "supply_years", "supply_years_text", "missing",
        "indicators", "potentials", zone_code=F("zone__code"), zone_name=F("zone__name"))
    return page_of(rows, limit=page.limit, offset=page.offset)


@router.get("/zones/accounts", response=responses(200, ZoneAccountPage), summary="园区土地账")
def list_zone_accounts(request, filters: Query[ZoneAccountFilters], page: Query[PageParams]):
    """您数据范围内园区各年度的土地账，每项附来源（填报或台账推算）。"""
    scope = scope_of(request)
    scope.require("zone_eval")
    names = [f.field for f in FIELDS]
    accounts = services.scoped_accounts(zone_ids=scope.zone_ids, year=filters.year).order_by("zone__code", "year")
    result = page_of(accounts.values("year", "provenance", "problems", *names, zone_code=F("zone__code")),
                     limit=page.limit, offset=page.offset)
    result["items"] = [{"zone_code": r["zone_code"], "year": r["year"], "provenance": r["provenance"],
                        "problems": r["problems"], "values": {n: r[n] for n in names}} for r in result["items"]]
    return result
