"""The user's language, and refusals before any view runs: request bodies larger than the upload limit (413)
and parameters carrying NUL or other control characters (400; PostgreSQL cannot store NUL and no form or
query string needs them)."""

import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.PARKGOV_UPLOAD_MAX_BYTES + 1024 * 1024:
            limit = settings.PARKGOV_UPLOAD_MAX_BYTES // 1048576
            return HttpResponse(gettext("上传内容超过上限 %(limit)s MB") % {"limit": limit}, status=413,
                                content_type="text/plain; charset=utf-8")
        if request.path.startswith("/api/"):  # the API refuses them itself, in its JSON error shape
            return self.get_response(request)
        for values in (request.GET.lists(), request.POST.lists() if request.method == "POST" and not
                       request.content_type.startswith("multipart/") else ()):
            for key, items in values:
                if _CONTROL.search(key) or any(_CONTROL.search(v) for v in items):
                    return HttpResponseBadRequest(gettext("请求参数中含有非法控制字符"),
                                                  content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ChosenLanguageMiddleware:
    """Activate the language chosen with the header's switch (Django's language cookie), else zh-hans.

    Unlike Django's LocaleMiddleware the browser's Accept-Language is ignored, so a browser set to English
    still opens the Chinese UI (the default, ADR 0002); English is an explicit choice that the cookie keeps.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):  # and the thread's language back afterwards (tests share a thread)
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
