"""Account services: demo accounts, API tokens."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_table

DEMO_PASSWORD_SUFFIX = "-demo-2026"


def ensure_demo_accounts() -> list:
    """One account per role (username = role code, password = role code + '-demo-2026'); returns rows to print.

    Every account is staff; the admin (/admin/) lets in only the data stewards among them (`admin_site: true` in
    roles.yaml, `parkgov.accounts.admin_site`), who see there what their role allows; only 管理员 is a superuser.
    """
    User = get_user_model()
    rows = []
    with transaction.atomic():
        for role, spec in role_table()["roles"].items():
            if spec.get("enterprise_bound"):
                continue  # enterprise accounts are bound to one firm: parkgov.appeals.accounts creates them
            user, created = User.objects.get_or_create(username=role, defaults={"first_name": spec["name"]})
            if created:
                user.set_password(role + DEMO_PASSWORD_SUFFIX)
                user.is_superuser = role == "admin"
            if created or not user.is_staff:
                user.is_staff = True
                user.save()
            Profile.objects.update_or_create(user=user, defaults={"role": role, "department": spec.get("department", role)})
            rows.append((spec["name"], role, role + DEMO_PASSWORD_SUFFIX))
    return rows


def issue_api_token(*, user) -> str:
    """A new API token for `user` (shown once; only its SHA-256 is stored)."""
    token = secrets.token_urlsafe(32)
    profile, _created = Profile.objects.get_or_create(user=user, defaults={"role": "admin" if user.is_superuser else ""})
    profile.api_token = hashlib.sha256(token.encode()).hexdigest()
    profile.save(update_fields=["api_token"])
    return token


def user_for_token(token: str):
    digest = hashlib.sha256(token.encode()).hexdigest()
    profile = Profile.objects.select_related("user").filter(api_token=digest, user__is_active=True).first()
    return profile.user if profile else None
