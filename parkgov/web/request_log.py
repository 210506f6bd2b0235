"""One log line per web request (issue 18 §5), and the request's id: the proxy's `X-Request-ID` when it is a short
safe token, else a new one; sent back in the response's `X-Request-ID` and kept on the jobs the request starts
(`parkgov.jobs.services.start_job`), whose step lines carry it.

The line holds the method, the path without its query string, the status, the milliseconds until the response
was ready, the view's route and who asked (user id and username, from the session or the API token, read after
the view ran). Never the query string, the body, form values, cookies or headers: they carry names, credit codes,
passwords and tokens. /healthz and static files log at DEBUG (a monitor asks every few seconds) unless they fail.
"""

import logging
import time

from django.conf import settings

from parkgov.logs import request_context, request_id_from

log = logging.getLogger("parkgov.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.quiet = ("/healthz", "/" + settings.STATIC_URL.lstrip("/"), "/favicon.ico")

    def __call__(self, request):
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        started = time.perf_counter()
        with request_context(request_id):
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            log.log(self.level(request.path, response.status_code), "request", extra={
                "event": "request", "request_id": request_id, "method": request.method[:16],
                "path": request.path[:500], "route": _route(request), "status": response.status_code,
                "duration_ms": duration_ms, "user": _user(request)})
        return response

    def level(self, path, status) -> int:
        if status >= 500:
            return logging.ERROR
        if status < 400 and path.startswith(self.quiet):
            return logging.DEBUG
        return logging.INFO


def _route(request):
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else None


def _user(request):
    """Who made the request: the session's user (set by AuthenticationMiddleware) or the API token's (ninja's
    BearerToken sets request.user, and request.auth, while the view runs); None when anonymous."""
    try:
        user = request.__dict__.get("user")
        if user is None or not user.is_authenticated:
            user = getattr(request, "auth", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return {"id": user.pk, "username": user.get_username()}
    except Exception:  # a line must never break the response it describes (e.g. the database is down)
        return None
