"""Enterprise accounts (企业账号): created by the zone, each bound to one firm by its credit code."""

import secrets

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from parkgov.accounts.models import Profile
from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import Enterprise

ROLE = "enterprise"


def create_enterprise_account(*, credit_code: str, username: str = "", password: str = "") -> tuple:
    """A login for the firm with `credit_code` (role `enterprise`, not staff, bound to the firm); returns
    (user, password) — a generated password when none is given, shown once."""
    credit_code = (credit_code or "").strip().upper()
    firm = Enterprise.objects.filter(credit_code=credit_code).first()
    if firm is None:
        raise NotFound(gettext("台账中没有统一社会信用代码为 %(code)s 的企业") % {"code": credit_code})
    username = (username or credit_code).strip()
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise InputError(gettext("用户名 %(name)s 已被使用") % {"name": username})
    password = password or secrets.token_urlsafe(9)
    user = User.objects.create_user(username=username, password=password, first_name=firm.name[:150])
    Profile.objects.create(user=user, role=ROLE, department="", enterprise=firm)
    return user, password


def enterprise_accounts(*, scope):
    """The enterprise accounts of the firms in `scope`'s parks."""
    profiles = Profile.objects.filter(role=ROLE).select_related("user", "enterprise").order_by("user__username")
    return scope.filter_zones(profiles, "enterprise__zone_id")
