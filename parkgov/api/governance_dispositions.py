"""四个一批 endpoints: the dispositions in the caller's scope, and a staff decision on one of them.

Both read through `governance.dispositions.scoped_decisions`, the queryset the page uses, so a park-scoped
caller lists and decides only the parcels of their parks; deciding needs `list` write."""

import datetime as dt

from ninja import Field, Path, Query, Router, Schema

from parkgov.api.auth import scope_of
from parkgov.api.queries import page_of
from parkgov.api.schemas import PageParams, responses
from parkgov.governance.choices import Disposition
from parkgov.governance.dispositions import decide, decision_in_scope, scoped_decisions

router = Router(tags=["治理：四个一批"])
FIELDS = ("id", "year", "suggested", "suggestion_reasons", "criteria_id", "criteria_version", "decided",
          "decision_reasons", "decided_at")


class DispositionFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    suggested: Disposition | None = None
    decided: bool | None = Field(None, description="true 只看已决定，false 只看未决定")


class DispositionPublic(Schema):
    id: int
    parcel_code: str
    zone_code: str
    year: int
    suggested: Disposition
    suggestion_reasons: list[str]
    criteria_id: str
    criteria_version: int
    decided: str = Field(description="决定处置（空 = 未决定）")
    decision_reasons: str
    decided_by: str | None
    decided_at: dt.datetime | None


class DispositionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DispositionPublic]


class DecisionIn(Schema):
    disposition: Disposition
    reasons: str = Field("", max_length=2000, description="决定理由；与建议不同时必填")


def _public(row) -> dict:
    values = {name: getattr(row, name) for name in FIELDS}
    return values | {"parcel_code": row.parcel.code, "zone_code": row.zone.code,
                     "decided_by": row.decided_by.username if row.decided_by else None}


@router.get("/governance/dispositions", response=responses(200, DispositionPage), summary="四个一批处置")
def list_dispositions(request, filters: Query[DispositionFilters], page: Query[PageParams]):
    """清单地块的四个一批建议（含理由）与决定；限定园区的账号只看到其园区的地块。"""
    rows = scoped_decisions(scope=scope_of(request), year=filters.year, suggested=filters.suggested or "",
                            decided=filters.decided)
    found = page_of(rows, limit=page.limit, offset=page.offset)
    return found | {"items": [_public(r) for r in found["items"]]}


@router.post("/governance/dispositions/{pk}/decide", response=responses(200, DispositionPublic),
             summary="决定四个一批处置")
def decide_disposition(request, pk: Path[int], body: DecisionIn):
    """记录工作人员的决定（可与建议不同，此时须写明理由）；需要清单的修改权限。"""
    scope = scope_of(request)
    row = decide(decision=decision_in_scope(scope=scope, pk=pk, write=True), actor=request.auth, scope=scope,
                 disposition=body.disposition, reasons=body.reasons)
    return _public(decision_in_scope(scope=scope, pk=row.pk))
