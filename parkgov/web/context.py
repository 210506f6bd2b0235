"""Template context shared by every page: navigation filtered by the user's scope."""

from django.urls import reverse

NAV = [
    ("cockpit", "园区大脑", None),
    ("map", "一张图", "parcel"),
    ("enterprises", "企业", "enterprise"),
    ("parcels", "地块", "parcel"),
    ("findings", "检查发现", "finding"),
    ("evaluation", "亩均评价", "evaluation"),
    ("import", "数据导入", "import"),
    ("audit", "审计记录", "audit"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.core.exceptions import PermissionDenied

    from parkgov.accounts.scopes import scope_for

    try:
        scope = scope_for(user)
    except PermissionDenied:
        return {"nav": []}
    items = []
    for name, label, domain in NAV:
        if domain is None or scope.can_read(domain):
            items.append({"name": name, "label": label, "url": reverse(f"web:{name}"),
                          "active": request.resolver_match and request.resolver_match.url_name == name})
    return {"nav": items, "scope": scope}
