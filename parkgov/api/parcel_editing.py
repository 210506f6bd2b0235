"""Parcel split and merge (issue 17 §2) and the parcels as they were on a date; the rules and the scope are
those of `parkgov.ledger.split`, which the web page calls too."""

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from ninja import Field, Path, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.schemas import BboxFilter, Code, Text, responses
from parkgov.errors import InputError
from parkgov.ledger import split

router = Router(tags=["台账"])


class SplitCreate(Schema):
    line: dict[str, Any] | None = Field(None, description="分割线：GeoJSON LineString（EPSG:4490），须穿过地块")
    parts: dict[str, Any] | None = Field(None, description="或分割后的各块：GeoJSON FeatureCollection（面），须覆盖地块、互不重叠")
    codes: list[Code] = Field([], description="新地块的地块编码（按块的顺序；空则按规则给临时编码）")
    land_codes: list[Code | None] = Field([], description="新地块的宗地代码（GB/T 37346，19位；未登记则留空，标为临时编码）")
    links: Literal["area_share", "largest", "chosen"] = Field("area_share", description="用地关系分配方式")
    chosen: dict[int, int] | None = Field(None, description="links=chosen 时：用地关系编号 → 新地块序号（从1起）")
    figures: Literal["proportional", "largest", "blank"] = Field("proportional", description="地块指标分摊方式")
    on: dt.date | None = Field(None, description="生效日期（默认今天）")
    note: Text = ""


class MergeCreate(Schema):
    codes: list[Code] = Field(description="要合并的地块编码（两宗以上，同一园区，相接）")
    code: Code = Field("", description="新地块的地块编码（空则按规则给临时编码）")
    land_code: Code | None = Field(None, description="新地块的宗地代码（未登记则留空）")
    figures: Literal["proportional", "largest", "blank"] = Field("proportional", description="地块指标合并方式")
    on: dt.date | None = None
    note: Text = ""


class EditedParcel(Schema):
    code: str
    land_code: str | None
    provisional: bool
    registered_area_m2: float
    started_on: dt.date | None


class EditPublic(Schema):
    operation_id: str
    ended: list[str]
    created: list[EditedParcel]


def _public(result) -> dict:
    return {"operation_id": result.operation_id, "ended": [p.code for p in result.ended],
            "created": [{"code": p.code, "land_code": p.land_code, "provisional": p.code_provisional,
                         "registered_area_m2": p.registered_area_m2, "started_on": p.started_on}
                        for p in result.created]}


@router.post("/parcels/{stored:code}/split", response=responses(200, EditPublic), summary="分割地块")
def split_parcel(request, code: Path[Code], payload: SplitCreate):
    """按分割线或给定的各块分割地块：原地块灭失（不删除），新地块自生效日期起有效，写入沿革和审计记录。"""
    scope = scope_of(request)
    if (payload.line is None) == (payload.parts is None):
        raise InputError("请给出分割线（line）或分割后的各块（parts）之一")
    by = split.shapes_from_geojson(payload.line)[0] if payload.line else split.shapes_from_geojson(payload.parts)
    with transaction.atomic():
        parcel = split.editable_parcel(scope=scope, code=code)
        result = split.split_parcel(scope=scope, parcel=parcel, by=by, actor=request.auth, codes=payload.codes,
                                    land_codes=payload.land_codes, links=payload.links, chosen=payload.chosen,
                                    figures=payload.figures, on=payload.on, note=payload.note)
    return _public(result)


@router.post("/parcels/merge", response=responses(200, EditPublic), summary="合并地块")
def merge_parcels(request, payload: MergeCreate):
    """合并同一园区内相接的地块为一宗：原地块灭失（不删除），用地关系转到新地块，写入沿革和审计记录。"""
    scope = scope_of(request)
    with transaction.atomic():
        result = split.merge_parcels(scope=scope, parcels=payload.codes, actor=request.auth, code=payload.code,
                                     land_code=payload.land_code, figures=payload.figures, on=payload.on,
                                     note=payload.note)
    return _public(result)


class AsOfFilters(BboxFilter):
    lineage_of: Code | None = Field(None, description="只返回此地块沿革中的地块（其前身与后继）")


@router.get("/parcels/on/{day}", response=responses(200, dict[str, Any]), summary="某日有效的地块（GeoJSON）")
def list_parcels_on(request, day: Path[dt.date], filters: Query[AsOfFilters]):
    """某日有效的地块（启用日期不晚于该日、灭失日期晚于该日）的 GeoJSON，可按 bbox 和沿革筛选，最多 5000 个。"""
    return split.parcels_on(scope=scope_of(request), on=day, bounds=filters.bounds, lineage_of=filters.lineage_of)
