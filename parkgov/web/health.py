"""`/healthz` (issue 18 §3): for the proxy, systemd, the container and the monitor. No login and no data: the
body names each check and whether it passed; 200 when all did, else 503 naming the failing ones."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parkgov.operations.health import run_checks


@never_cache
@require_GET
def healthz(request):
    checks = run_checks()
    failed = [c.name for c in checks if not c.ok]
    return JsonResponse({"status": "failed" if failed else "ok", "failed": failed,
                         "checks": {c.name: "ok" if c.ok else "failed" for c in checks}},
                        status=503 if failed else 200, json_dumps_params={"ensure_ascii": False})
