"""The REST API with OpenAPI docs at /api/docs (endpoints are added per domain)."""

from ninja import NinjaAPI

api = NinjaAPI(title="园区管家 parkgov API", version="1", docs_url="/docs", urls_namespace="api")
