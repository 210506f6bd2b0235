"""One JSON error shape for every API failure: `{"error": {"code", "message", "details"}}`.

The message is complete and in the caller's language (Chinese unless a browser session chose English);
`details` lists what exactly was wrong (parameter, row, value).
Handlers are registered once on the NinjaAPI (`install`), so route handlers only raise.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext, gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from parkgov.errors import ConfigError, ConflictError, ImportRejected, InputError, NotFound, ParkgovError

log = logging.getLogger("parkgov.api")

CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid", 429: "throttled",
         500: "internal_error"}
MESSAGES = {400: _("请求有误"), 401: _("未登录或接口令牌无效：请在请求头中提供 Authorization: Bearer <令牌>"),
            403: _("无权访问"), 404: _("请求的资源不存在"), 405: _("不支持此请求方法"), 409: _("与现有数据冲突"),
            413: _("上传内容过大"), 422: _("请求参数有误"), 429: _("请求过于频繁，请稍后再试"),
            500: _("内部错误，已记录日志，请联系管理员")}
PYDANTIC_MESSAGES = {  # pydantic error type → message (named placeholders from the error's ctx)
    "missing": _("缺少必填项"), "int_parsing": _("应为整数"), "float_parsing": _("应为数字"),
    "uuid_parsing": _("应为 UUID"), "greater_than_equal": _("应不小于 %(ge)s"), "less_than_equal": _("应不大于 %(le)s"),
    "string_too_long": _("长度应不超过 %(max_length)s"), "string_pattern_mismatch": _("含有不允许的字符"),
    "enum": _("应为以下之一：%(expected)s"), "literal_error": _("应为以下之一：%(expected)s"),
}
DATE_ERRORS = ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact")
PYDANTIC_MESSAGES.update(dict.fromkeys(DATE_ERRORS, _("应为日期（年-月-日，如 2024-06-30）")))
GIVEN_MESSAGES = {kind: _("应为日期（年-月-日，如 2024-06-30），收到 %(input)s") for kind in DATE_ERRORS}  # with the text sent


class ApiError(HttpError):
    """An HTTP error raised by the API itself, with a Chinese message and optional details."""

    def __init__(self, status_code: int, message: str, *, details=None, code: str | None = None):
        super().__init__(status_code, message)
        self.details = list(details or [])
        self.code = code or CODES.get(status_code, "error")


def error_body(status: int, message: str, details=(), code: str | None = None) -> dict:
    return {"error": {"code": code or CODES.get(status, "error"), "message": str(message), "details": list(details)}}


def error_json(status: int, message: str | None = None, details=(), code: str | None = None) -> JsonResponse:
    """The error shape as a plain Django response (for URLs outside django-ninja, e.g. unknown API paths)."""
    return JsonResponse(error_body(status, message or MESSAGES[status], details, code), status=status)


def install(api) -> None:
    """Register the handlers on `api`; the catch-all answers 500 in the same shape, never with a traceback."""

    def respond(request, status, message, details=(), code=None):
        response = api.create_response(request, error_body(status, message, details, code), status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="parkgov"'
        return response

    def on_validation(request, exc: ValidationError):
        details = [_validation_detail(e, request) for e in exc.errors]
        summary = "；".join(f"{d['field']} {d['message']}" for d in details[:5])
        return respond(request, 422, gettext("请求参数有误：%(summary)s") % {"summary": summary} if summary
                       else MESSAGES[422], details)

    def on_http_error(request, exc: HttpError):
        status = exc.status_code
        if isinstance(exc, ApiError):
            return respond(request, status, exc.message, exc.details, exc.code)
        message = MESSAGES[401] if isinstance(exc, AuthenticationError) else MESSAGES.get(status, MESSAGES[400])
        if "CSRF" in str(exc):
            message = gettext("CSRF 校验失败：网页会话调用修改类接口时须带 X-CSRFToken 请求头")
        return respond(request, status, message, [{"message": str(exc)}] if str(exc) else [])

    def on_permission_denied(request, exc: PermissionDenied):
        return respond(request, 403, str(exc) or MESSAGES[403])

    def on_not_found(request, exc: Http404):
        return respond(request, 404, MESSAGES[404])

    def on_parkgov_error(request, exc: ParkgovError):
        status, details = _parkgov_status(exc)
        if status == 500:
            log.error("API %s %s: %s", request.method, request.path, exc)
        return respond(request, status, str(exc), details)

    def on_unexpected(request, exc: Exception):
        log.exception("API %s %s failed", request.method, request.path)
        return respond(request, 500, MESSAGES[500])

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ParkgovError, on_parkgov_error)
    api.add_exception_handler(Exception, on_unexpected)


def _parkgov_status(exc: ParkgovError) -> tuple:
    if isinstance(exc, NotFound):
        return 404, []
    if isinstance(exc, ConflictError):
        return 409, []
    if isinstance(exc, ImportRejected) and exc.report is not None:
        return 422, [{"sheet": i.sheet, "row": i.row, "column": i.column, "value": i.value, "message": i.message}
                     for i in exc.report.issues.errors[:200]]
    if isinstance(exc, InputError):
        return 422, []
    if isinstance(exc, ConfigError):
        return 500, []
    return 400, []


def _validation_detail(error: dict, request=None) -> dict:
    """One pydantic/ninja error as {field, message, type}; the field is e.g. `query.limit`."""
    field = ".".join(str(part) for part in error.get("loc", ()))
    kind, ctx = error.get("type", ""), {"input": _given(error.get("loc", ()), request), **error.get("ctx", {})}
    template = (GIVEN_MESSAGES if ctx["input"] else PYDANTIC_MESSAGES).get(kind) or PYDANTIC_MESSAGES.get(kind)
    try:
        message = (str(template) % ctx).replace("' or '", "', '") if template else error.get("msg", "")
    except (KeyError, TypeError, ValueError):
        message = error.get("msg", "")
    if kind == "value_error":  # our own validators raise ValueError with a translated message
        message = str(ctx.get("error", error.get("msg", "")))
    return {"field": field, "message": message, "type": kind}


def _given(loc, request):
    """The text the caller sent for a path or query parameter (django-ninja drops pydantic's `input`)."""
    if request is None or len(loc) != 2:
        return ""
    source, name = loc
    if source == "path" and request.resolver_match is not None:
        return str(request.resolver_match.kwargs.get(name, ""))
    if source == "query":
        return request.GET.get(str(name), "")
    return ""
