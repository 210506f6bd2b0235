"""Ledger endpoints: zones, parcels (GeoJSON), enterprises, their yearly figures, findings."""

from ninja import Path, Query, Router

from parkgov.api import queries
from parkgov.api.auth import scope_of
from parkgov.api.schemas import (
    Code, EnterpriseDetail, EnterpriseFilters, EnterprisePage, FindingFilters, FindingPage, PageParams,
    ParcelCollection, ParcelDetailFeature, ParcelFilters, YearlyFigurePublic, ZonePublic, responses,
)

router = Router(tags=["台账"])


@router.get("/zones", response=responses(200, list[ZonePublic]), summary="园区列表")
def list_zones(request):
    """您可查看的园区（限定园区的账号只看到其园区及下属园区）。"""
    return queries.zones(scope=scope_of(request))


@router.get("/parcels", response=responses(200, ParcelCollection), summary="地块（GeoJSON FeatureCollection）")
def list_parcels(request, filters: Query[ParcelFilters], page: Query[PageParams]):
    """地块的 GeoJSON FeatureCollection（EPSG:4490）：默认只含现存地块（state=ended 已灭失、all 全部）；bbox 按地块范围
    相交筛选；count 为总数，limit/offset 分页。"""
    return queries.parcel_features(scope=scope_of(request), bounds=filters.bounds, zone=filters.zone,
                                   state=filters.state, limit=page.limit, offset=page.offset)


@router.get("/parcels/{stored:code}", response=responses(200, ParcelDetailFeature), summary="单个地块（GeoJSON Feature）")
def get_parcel(request, code: Path[Code]):
    """一个地块（按地块编码），含用地企业；已因分割或合并灭失的地块也可查询（ended_on 为灭失日期）。"""
    return queries.parcel_feature(scope=scope_of(request), code=code)


@router.get("/enterprises", response=responses(200, EnterprisePage), summary="企业列表")
def list_enterprises(request, filters: Query[EnterpriseFilters], page: Query[PageParams]):
    """企业列表：按所属园区编码（不含下属园区）、规模、名称或信用代码筛选；limit/offset 分页。"""
    return queries.enterprises(scope=scope_of(request), zone=filters.zone, scale=filters.scale, q=filters.q,
                               limit=page.limit, offset=page.offset)


@router.get("/enterprises/{stored:credit_code}", response=responses(200, EnterpriseDetail), summary="单个企业及其用地")
def get_enterprise(request, credit_code: Path[Code]):
    """一家企业（按统一社会信用代码），含用地关系。"""
    return queries.enterprise(scope=scope_of(request), credit_code=credit_code)


@router.get("/enterprises/{stored:credit_code}/figures", response=responses(200, list[YearlyFigurePublic]),
            exclude_unset=True, summary="企业年度数据及来源（按角色隐藏字段）")
def get_figures(request, credit_code: Path[Code]):
    """企业各年度数据及每个字段的来源；您的角色无权查看的字段（如税收）不出现在结果中。"""
    return queries.figures(scope=scope_of(request), credit_code=credit_code)


@router.get("/findings", response=responses(200, FindingPage), summary="检查发现")
def list_findings(request, filters: Query[FindingFilters], page: Query[PageParams]):
    """检查发现；执法类部门只看到本部门的发现。"""
    return queries.findings(scope=scope_of(request), status=filters.status, category=filters.category,
                            limit=page.limit, offset=page.offset)
