"""Template context shared by every page: navigation filtered by the user's scope."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _, pgettext_lazy

NAV = [
    ("cockpit", _("园区大脑"), None),
    ("map", _("一张图"), "parcel"),
    ("topology", _("拓扑检查"), "parcel"),
    ("enterprises", pgettext_lazy("list", "企业"), "enterprise"),
    ("parcels", pgettext_lazy("list", "地块"), "parcel"),
    ("findings", pgettext_lazy("list", "检查发现"), "finding"),
    ("evaluation", _("亩均评价"), "evaluation"),
    ("import", _("数据导入"), "import"),
    ("audit", _("审计记录"), "audit"),
]
# 治理 (issue 14), for roles that read `list` or `case`: the landing page and its topics. Each topic's branch adds
# its URL name; until then (and should a name change) the link is the path written here.
GOVERNANCE_HOME = ("governance:index", "/governance/")
GOVERNANCE_NAV = [
    ("governance:lists", "/governance/lists/", _("清单"), "list"),
    ("governance:dispositions", "/governance/dispositions/", _("四个一批"), "list"),
    ("governance:cases", "/governance/cases/", _("案件"), "case"),
    ("governance:findings", "/governance/findings/", pgettext_lazy("list", "检查发现"), "finding"),
]


# 供地 (issue 15), for roles that read `supply`: the landing page and its topic pages.
SUPPLY_NAV = [
    ("supply:applications", _("准入联审")),
    ("supply:contracts", _("标准地合同")),
    ("supply:idle", _("闲置土地")),
    ("supply:control", _("控制指标")),
    ("supply:renovations", _("零增地改造")),
    ("supply:quota", _("用地指标")),
]


def _url(name, fallback) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def governance_item(scope, request) -> dict | None:
    """The 治理 entry with its sub-links the role may open, or None for a role that reads neither lists nor cases."""
    if not (scope.can_read("list") or scope.can_read("case")):
        return None
    match = request.resolver_match
    children = [{"label": label, "url": _url(name, path)} for name, path, label, domain in GOVERNANCE_NAV
                if scope.can_read(domain)]
    return {"name": "governance", "label": _("治理"), "url": _url(*GOVERNANCE_HOME), "children": children,
            "active": bool(match and match.namespace == "governance")}


def supply_item(scope, request) -> dict | None:
    """The 供地 entry with its topic pages, or None for a role that does not read `supply`."""
    if not scope.can_read("supply"):
        return None
    match = request.resolver_match
    children = [{"label": label, "url": reverse(name)} for name, label in SUPPLY_NAV]
    return {"name": "supply", "label": _("供地"), "url": reverse("supply:index"), "children": children,
            "active": bool(match and match.namespace == "supply")}


TARGET_PAGES = ("targets", "zone_targets", "projects", "project")  # issue 16 §3


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.core.exceptions import PermissionDenied

    from parkgov.accounts.pages import request_scope

    try:
        scope = request_scope(request)
    except PermissionDenied:
        return {"nav": []}
    if scope.is_enterprise:  # issue 16 §5: the firm's own page only
        return {"nav": [{"name": "me", "label": _("本企业"), "url": reverse("me:overview"), "active": True}],
                "scope": scope}
    items = []
    for name, label, domain in NAV:
        if domain is None or scope.can_read(domain):
            items.append({"name": name, "label": label, "url": reverse(f"web:{name}"),
                          "active": request.resolver_match and request.resolver_match.url_name == name})
        if name == "evaluation" and scope.can_read("zone_eval"):  # issue 16 §1: 园区评价 (parkgov/zones)
            items.append({"name": "zones", "label": _("园区评价"), "url": reverse("zones:index"),
                          "active": bool(request.resolver_match and request.resolver_match.namespace == "zones"
                                         and request.resolver_match.url_name not in TARGET_PAGES),
                          "children": [{"label": _("土地集约利用评价"), "url": reverse("zones:index")},
                                       {"label": _("绿色与底线"), "url": reverse("zones:green")}]})  # issue 16 §2
        if name == "evaluation" and scope.can_read("zone_eval"):  # issue 16 §3: 目标与重点项目 (parkgov/zones)
            items.append({"name": "zone_projects", "label": _("重点项目"), "url": reverse("zones:projects"),
                          "active": bool(request.resolver_match and request.resolver_match.url_name in TARGET_PAGES)})
        if name == "evaluation" and (governance := governance_item(scope, request)):
            items.append(governance)
        if name == "evaluation" and (supply := supply_item(scope, request)):
            items.append(supply)
        if name == "evaluation" and scope.can_read("appeal"):  # issue 16 §5: 企业申诉
            items.append({"name": "appeals", "label": _("企业申诉"), "url": reverse("appeals:queue"),
                          "active": bool(request.resolver_match and request.resolver_match.namespace == "appeals")})
    return {"nav": items, "scope": scope}
