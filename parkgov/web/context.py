"""Template context shared by every page: navigation filtered by the user's scope."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _, pgettext_lazy

NAV = [
    ("cockpit", _("园区大脑"), None),
    ("map", _("一张图"), "parcel"),
    ("enterprises", pgettext_lazy("list", "企业"), "enterprise"),
    ("parcels", pgettext_lazy("list", "地块"), "parcel"),
    ("findings", pgettext_lazy("list", "检查发现"), "finding"),
    ("evaluation", _("亩均评价"), "evaluation"),
    ("import", _("数据导入"), "import"),
    ("audit", _("审计记录"), "audit"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.core.exceptions import PermissionDenied

    from parkgov.web.access import request_scope

    try:
        scope = request_scope(request)
    except PermissionDenied:
        return {"nav": []}
    items = []
    for name, label, domain in NAV:
        if domain is None or scope.can_read(domain):
            items.append({"name": name, "label": label, "url": reverse(f"web:{name}"),
                          "active": request.resolver_match and request.resolver_match.url_name == name})
    return {"nav": items, "scope": scope}
