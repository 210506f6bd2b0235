"""Refuse requests whose parameters carry NUL or other control characters (PostgreSQL cannot store NUL;
no such character is ever meaningful in a form or query string)."""

import re

from django.http import HttpResponseBadRequest

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):  # the API refuses them itself, in its JSON error shape
            return self.get_response(request)
        for values in (request.GET.lists(), request.POST.lists() if request.method == "POST" and not
                       request.content_type.startswith("multipart/") else ()):
            for key, items in values:
                if _CONTROL.search(key) or any(_CONTROL.search(v) for v in items):
                    return HttpResponseBadRequest("请求参数中含有非法控制字符".encode(), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
