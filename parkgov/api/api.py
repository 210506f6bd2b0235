"""The REST API (django-ninja) with OpenAPI docs at /api/docs.

Callers authenticate with `Authorization: Bearer <token>` (`parkgov token 用户名`) or a browser session;
every endpoint applies the caller's data scope (parkgov.accounts.scopes) like the pages do, and every
failure answers in one JSON shape (parkgov.api.errors).
"""

from ninja import NinjaAPI

from parkgov.api import (appeals, errors, evaluation, findings, governance, governance_cases, governance_dispositions,
                         jobs, ledger, parcel_editing, supply_admission, supply_landuse, supply_review, zone_targets, zones,
                         zones_green)
from parkgov.api.auth import BearerToken, BrowserSession

DESCRIPTION = """园区管家的数据接口。认证：请求头 `Authorization: Bearer <令牌>`（令牌由 `parkgov token 用户名` 生成，
只显示一次），或已登录网页的会话（修改类请求须带 X-CSRFToken）。数据范围与网页相同：按角色限定可看的数据类别、
字段和园区。出错时统一返回 `{"error": {"code", "message", "details"}}`。"""

api = NinjaAPI(title="园区管家 parkgov API", version="1", docs_url="/docs", urls_namespace="api",
               auth=[BearerToken(), BrowserSession()], description=DESCRIPTION)
errors.install(api)
api.add_router("", parcel_editing.router)  # before ledger: /parcels/merge is not the parcel "merge"
api.add_router("", ledger.router)
api.add_router("", evaluation.router)
api.add_router("", jobs.router)
api.add_router("", findings.router)
api.add_router("", governance_cases.router)
api.add_router("", governance.router)
api.add_router("", governance_dispositions.router)
api.add_router("", supply_admission.router)
api.add_router("", supply_review.router)
api.add_router("", supply_landuse.router)
api.add_router("", zones.router)
api.add_router("", zones_green.router)
api.add_router("", zone_targets.router)
api.add_router("", appeals.router)
