"""Data scopes, enforced in one place for pages, API, exports and the admin.

A role (data/roles.yaml) says which domains it reads and writes and which field groups it sees; a profile
may restrict a user to some parks (and their child zones). Superusers are administrators. Role names stay
Chinese in the YAML and are translated where shown (their msgids are listed in parkgov/web/data_labels.py).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_lazy

from parkgov.accounts.backends import PARK_LIMITED

ROLES_FILE = Path(__file__).resolve().parent / "data" / "roles.yaml"
ALL_FIELDS_ROLE = "admin"


@cache
def role_table() -> dict:
    data = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Scope:
    """What one user may see and do."""

    role: str
    role_name: str
    read: frozenset
    write: frozenset
    hidden_fields: frozenset
    zone_ids: tuple | None  # None = all zones
    department: str = ""
    own_findings_only: bool = False
    admin_site: bool = False
    finding_categories: frozenset | None = None  # None = every category (roles.yaml finding_categories)
    enterprise_id: int | None = None  # issue 16 §5: an enterprise account sees only this firm

    @property
    def is_enterprise(self) -> bool:
        """Whether this is an enterprise account (roles.yaml `enterprise_bound`), bound to `enterprise_id`."""
        return self.enterprise_id is not None

    def filter_firm(self, queryset, path="enterprise_id"):
        """Restrict a queryset to the bound firm of an enterprise account; staff scopes pass it unchanged."""
        if self.enterprise_id is None:
            return queryset
        return queryset.filter(**{path: self.enterprise_id})

    def can_read(self, domain: str) -> bool:
        return domain in self.read

    def can_write(self, domain: str) -> bool:
        return domain in self.write

    def require(self, domain: str, *, write=False):
        if not (self.can_write(domain) if write else self.can_read(domain)):
            message = gettext("角色“%(role)s”无权修改此数据") if write else gettext("角色“%(role)s”无权查看此数据")
            raise PermissionDenied(message % {"role": gettext(self.role_name)})

    def sees(self, field: str) -> bool:
        return field not in self.hidden_fields

    def require_sees(self, field: str):
        """PermissionDenied unless the role's field groups (roles.yaml) include `field`."""
        if not self.sees(field):
            group = next(g["name"] for g in role_table()["field_groups"].values() if field in g["fields"])
            raise PermissionDenied(gettext("角色“%(role)s”无权查看%(group)s")
                                   % {"role": gettext(self.role_name), "group": gettext(group)})

    def filter_zones(self, queryset, path="zone_id"):
        """Restrict a queryset to the user's parks."""
        if self.zone_ids is None:
            return queryset
        return queryset.filter(**{f"{path}__in": self.zone_ids})


def scope_for(user) -> Scope:
    """The scope of an authenticated user (PermissionDenied for users without a role)."""
    table = role_table()
    if not user.is_authenticated:
        raise PermissionDenied(gettext("请先登录"))
    profile = getattr(user, "profile", None)
    role = ALL_FIELDS_ROLE if user.is_superuser else (profile.role if profile else None)
    if role not in table["roles"]:
        raise PermissionDenied(gettext("此账号未分配角色，请联系管理员"))
    spec = table["roles"][role]
    visible = {f for g in spec.get("field_groups", []) for f in table["field_groups"][g]["fields"]}
    every = {f for g in table["field_groups"].values() for f in g["fields"]}
    zone_ids = None
    enterprise_id = None
    if spec.get("enterprise_bound") and not user.is_superuser:
        # no park at all: every staff query filtered by parks is empty; the firm's own pages use enterprise_id
        enterprise_id = getattr(profile, "enterprise_id", None)
        if enterprise_id is None:
            raise PermissionDenied(gettext("此企业账号未绑定企业（统一社会信用代码），请联系园区管理员"))
        zone_ids = ()
    elif profile is not None and not user.is_superuser and getattr(user, PARK_LIMITED, True):
        chosen = list(profile.zones.values_list("id", flat=True))
        zone_ids = tuple(with_children(chosen)) if chosen else None
    return Scope(role=role, role_name=spec["name"], read=frozenset(spec["read"]), write=frozenset(spec["write"]),
                 hidden_fields=frozenset(every - visible), zone_ids=zone_ids,
                 department=profile.department if profile else "",
                 own_findings_only=bool(spec.get("own_findings_only")),
                 admin_site=user.is_superuser or bool(spec.get("admin_site")),
                 finding_categories=frozenset(spec["finding_categories"]) if "finding_categories" in spec else None,
                 enterprise_id=enterprise_id)


def may_enter_admin(user) -> bool:
    """Whether `user` may open the admin (/admin/): active staff whose role is a data steward
    (`admin_site: true` in data/roles.yaml), or a superuser."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    try:
        return scope_for(user).admin_site
    except PermissionDenied:
        return False


def zone_tree_ids(zone) -> list:
    """The zone and every park below it (at any depth), sorted."""
    return with_children([zone.pk])


def with_children(zone_ids) -> list:
    """`zone_ids` and every park inside them (at any depth), sorted."""
    from parkgov.ledger.models import Zone

    chosen = set(zone_ids)
    while True:
        children = set(Zone.objects.filter(parent_id__in=chosen).values_list("id", flat=True))
        if children <= chosen:
            return sorted(chosen)
        chosen |= children


def role_choices() -> list:
    return [(code, gettext_lazy(spec["name"])) for code, spec in role_table()["roles"].items()]
