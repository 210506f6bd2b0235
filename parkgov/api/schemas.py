"""Request and response schemas of the API, named for their use: `XPublic` is what a caller reads,
`XFilters` what it may filter by, `XPage` one page of a list."""

import datetime as dt
import math
import uuid
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from parkgov.evaluation.models import CLASS_CHOICES
from parkgov.jobs.models import JobStatus
from parkgov.ledger import choices

MAX_PAGE = 1000
MAX_OFFSET = 10**9
# No control characters (PostgreSQL refuses NUL in text) and a sane length for every free-text parameter.
Text = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f]*$")]
Code = Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\x00-\x1f]*$")]
ResultClass = Literal[tuple(code for code, _label in CLASS_CHOICES)]


class ErrorBody(Schema):
    code: str = Field(description="机器可读的错误类别，如 not_found、invalid、too_large")
    message: str = Field(description="中文说明")
    details: list[dict[str, Any]] = Field(default_factory=list, description="逐项说明（参数、行、值）")


class ErrorResponse(Schema):
    error: ErrorBody


class PageParams(Schema):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"每页条数（最多 {MAX_PAGE}）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class ZonePublic(Schema):
    code: str
    name: str
    parent_code: str | None = Field(description="上级园区编码")
    kind: choices.ZoneKind
    division_code: str
    level: str
    bbox: list[float] | None = Field(description="范围 [minx, miny, maxx, maxy]（EPSG:4490）")


class BboxFilter(Schema):
    """A `bbox` query parameter checked on the way in; `bounds` gives it as numbers."""

    bbox: str | None = Field(None, max_length=200, description="minx,miny,maxx,maxy（EPSG:4490 经纬度），与地块范围相交")

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, value):
        if value is not None:
            bounds_from_text(value)
        return value

    @property
    def bounds(self) -> tuple | None:
        return bounds_from_text(self.bbox) if self.bbox is not None else None


class ParcelFilters(BboxFilter):
    zone: Code | None = Field(None, description="所属园区编码")
    state: Literal["current", "ended", "all"] = Field(
        "current", description="current 现存（默认）、ended 已灭失（因分割或合并）、all 全部；某日的地块见 /parcels/on/{day}")


def bounds_from_text(text: str) -> tuple:
    """(minx, miny, maxx, maxy) from 'minx,miny,maxx,maxy'; ValueError naming the bad value otherwise."""
    parts = text.split(",")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ValueError(gettext("bbox 应为 minx,miny,maxx,maxy 四个数，收到 %(text)r") % {"text": text})
    if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise ValueError(gettext("bbox 的最小值大于最大值：%(text)r") % {"text": text})
    return numbers


class ParcelProperties(Schema):
    code: str = Field(description="地块编码")
    land_code: str | None = Field(description="宗地代码")
    zone_code: str = Field(description="所属园区编码")
    registered_area_m2: float
    computed_area_m2: float | None
    land_use_code: str
    ownership: choices.Ownership
    supply_status: choices.SupplyStatus
    supply_method: str
    supply_date: dt.date | None
    term_years: float | None
    land_price: float | None = Field(description="土地价款（万元）")
    floor_area_m2: float | None
    footprint_area_m2: float | None
    admin_area_m2: float | None
    green_area_m2: float | None
    started_on: dt.date | None = Field(description="启用日期（由分割或合并生成的地块）")
    ended_on: dt.date | None = Field(description="灭失日期（因分割或合并；现存地块为 null）")


class ParcelLinkPublic(Schema):
    credit_code: str
    enterprise_name: str
    role: choices.LinkRole
    land_area_m2: float | None
    floor_area_m2: float | None
    start_date: dt.date | None
    end_date: dt.date | None


class ParcelDetailProperties(ParcelProperties):
    land_links: list[ParcelLinkPublic] = Field(description="用地企业（土地使用权人、承租、转租）")


class ParcelFeature(Schema):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None = Field(description="GeoJSON 几何（EPSG:4490），无图形时为 null")
    properties: ParcelProperties


class ParcelDetailFeature(ParcelFeature):
    properties: ParcelDetailProperties


class ParcelCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    count: int = Field(description="符合条件的地块总数")
    limit: int
    offset: int
    features: list[ParcelFeature]


class EnterpriseFilters(Schema):
    zone: Code | None = Field(None, description="所属园区编码")
    scale: choices.Scale | None = Field(None, description="规模：above 规上，below 规下")
    q: Text | None = Field(None, description="企业名称包含，或信用代码开头")


class EnterprisePublic(Schema):
    credit_code: str
    name: str
    industry_code: str
    scale: choices.Scale
    zone_code: str
    status: choices.EnterpriseStatus
    production_start: dt.date | None


class EnterpriseLinkPublic(Schema):
    parcel_code: str
    parcel_ended_on: dt.date | None = Field(description="地块灭失日期（地块已因分割或合并灭失时；用地关系已转到新地块）")
    role: choices.LinkRole
    land_area_m2: float | None
    floor_area_m2: float | None
    start_date: dt.date | None
    end_date: dt.date | None


class EnterpriseDetail(EnterprisePublic):
    land_links: list[EnterpriseLinkPublic]


class EnterprisePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EnterprisePublic]


class FigureSource(Schema):
    submission: int
    method: choices.SubmissionMethod
    department: str
    file_name: str
    created_at: dt.datetime


class YearlyFigurePublic(Schema):
    """One year of figures. Fields the caller's role may not see are left out (not null)."""

    year: int
    tax: float | None = None
    revenue: float | None = None
    output_value: float | None = None
    value_added: float | None = None
    energy_tce: float | None = None
    electricity_10k_kwh: float | None = None
    water_10k_t: float | None = None
    emissions_t: float | None = None
    rd_expense: float | None = None
    employees: float | None = None
    fixed_investment: float | None = None
    provenance: dict[str, FigureSource] = Field(description="每个字段的来源（提交批次、方式、部门、文件）")


class FindingFilters(Schema):
    status: choices.FindingStatus | None = None
    category: choices.FindingCategory | None = None


class FindingPublic(Schema):
    id: int
    credit_code: str | None
    enterprise_name: str | None
    parcel_code: str | None
    department: str
    category: choices.FindingCategory
    severity: choices.Severity
    found_on: dt.date
    description: str
    status: choices.FindingStatus
    legal_basis: str = Field("", description="法律依据")
    deadline: dt.date | None = Field(None, description="整改期限")
    rectifiable: bool | None = Field(None, description="可整改达标")
    closed_on: dt.date | None = Field(None, description="销号日期")


class FindingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FindingPublic]


class EvaluationRunFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    ruleset_id: Code | None = None


class EvaluationRunPublic(Schema):
    id: int
    year: int
    ruleset_id: str
    ruleset_version: int
    ruleset_name: str
    zone_code: str | None = Field(description="园区范围（空 = 全部）")
    created_at: dt.datetime
    firms: int
    summary: dict[str, Any]


class EvaluationRunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EvaluationRunPublic]


class EvaluationResultFilters(Schema):
    result_class: ResultClass | None = Field(None, alias="class", description="最终类别")
    population: Code | None = Field(None, description="评价人群编码")


class EvaluationResultPublic(Schema):
    credit_code: str
    enterprise_name: str
    zone_code: str
    population: str
    population_name: str
    not_rated_reason: str
    land_mu: float | None
    indicators: dict[str, Any]
    bonus: float | None
    deduction: float | None
    adjustments: str
    vetoes: str
    total: float | None
    rank: int | None
    rank_of: int | None
    percentile: float | None
    class_original: str
    class_final: str
    adjustment_reason: str
    tier: str
    consecutive_years: int
    policies: list[Any]
    charge_total: float | None


class EvaluationResultPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EvaluationResultPublic]


class JobPublic(Schema):
    id: uuid.UUID
    kind: str
    title: str
    status: JobStatus
    progress: int = Field(description="进度（%）")
    message: str
    result: dict[str, Any] = Field(description="结果；被拒绝的导入含 errors（错误数）和 issues（逐条错误）")
    has_file: bool = Field(description="是否有结果文件（如错误清单），见 /api/jobs/{id}/file")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    finished: bool


ERROR_RESPONSES = {status: ErrorResponse for status in (401, 403, 404, 422, 500)}


def responses(ok_status: int, schema) -> dict:
    """The `response=` mapping of an operation: its success schema and the error shape."""
    return {ok_status: schema, **ERROR_RESPONSES}
