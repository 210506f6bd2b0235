"""Green indicators and the 底线 assessment of zones (issue 16 §2), limited to the caller's parks like the
绿色与底线 pages (the same zones_outcomes / zones_green / leading_industries calls with Scope.zone_ids)."""

from typing import Any

from ninja import Field, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.schemas import responses
from parkgov.zones.bottom_line import overview

router = Router(tags=["园区评价"])


class BottomLineFilters(Schema):
    year: int = Field(..., ge=2000, le=2100, description="考核年度（须已公布底线指标）")


class ZoneBottomLinePublic(Schema):
    zone_code: str
    zone_name: str
    year: int
    failed: int = Field(description="不达标底线指标数")
    missing: int = Field(description="缺少数据的底线指标数")
    consequence: str = Field(description="后果：空、通报约谈 或 问责")
    reasons: list[str]
    indicators: list[dict[str, Any]] = Field(description="底线指标：名称、数值、单位、比较、限值、是否达标、来源")
    history: list[dict[str, Any]] = Field(description="历年：年度、不达标数、后果")
    green: list[dict[str, Any]] = Field(description="绿色指标：数值、基准年数值、较基准年变化、目标、是否达标")
    leading_industries: int = Field(description="主导产业数")
    industries_flagged: bool = Field(description="主导产业超过上限")


@router.get("/zones/bottom-line", response=responses(200, list[ZoneBottomLinePublic]), summary="园区底线考核")
def list_zone_bottom_line(request, filters: Query[BottomLineFilters]):
    """您数据范围内各园区某年的底线考核结果（原因、历年）、绿色指标与主导产业检查，按园区编码。"""
    scope = scope_of(request)
    scope.require("zone_eval")
    return [{**o, "zone_code": o["zone"].code, "zone_name": o["zone"].name,
             "leading_industries": o["mix"]["leading_count"], "industries_flagged": o["mix"]["flagged"]}
            for o in overview(year=filters.year, zone_ids=scope.zone_ids)]
