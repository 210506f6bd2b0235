"""REST API (django-ninja); endpoints are registered in parkgov.api.api.

Two answers django-ninja gives outside its exception handlers are put in the API's JSON error shape here:
unknown API paths (404, instead of the HTML error page) and unsupported methods (405, instead of plain text).
"""

from functools import wraps

from django.urls import path, re_path
from django.utils.translation import gettext

from parkgov.api.api import api
from parkgov.api.errors import error_json


def unknown_path(request, rest=""):
    return error_json(404, gettext("接口 %(path)s 不存在，接口列表见 /api/docs") % {"path": request.path})


def _json_not_allowed(view):
    @wraps(view)  # keeps django-ninja's csrf_exempt flag
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response["Allow"]
            response = error_json(405, gettext("接口 %(path)s 不支持 %(method)s 方法（允许：%(allowed)s）") % {
                "path": request.path, "method": request.method, "allowed": allowed})
            response["Allow"] = allowed
        return response

    return wrapper


def _api_urls():
    patterns, ninja_app, ninja_namespace = api.urls
    for pattern in patterns:
        pattern.callback = _json_not_allowed(pattern.callback)
    return patterns, ninja_app, ninja_namespace


urlpatterns = [path("", _api_urls()), re_path(r"^(?P<rest>.*)$", unknown_path)]
