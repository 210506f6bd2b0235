"""Role × page matrix: every role gets exactly the pages its scope allows (Django test client, both DBs)."""

import pytest
from django.urls import reverse

from parkgov.accounts.services import DEMO_PASSWORD_SUFFIX, ensure_demo_accounts
from parkgov.ingest.services import import_workbook
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db

PAGES = {"cockpit": None, "import": "import", "evaluation": "evaluation", "audit": "audit"}
EXPECTED = {  # role → pages it may open (others must answer 403)
    "admin": {"cockpit", "import", "evaluation", "audit"},
    "committee": {"cockpit", "evaluation", "audit"},
    "economy": {"cockpit", "import", "evaluation"},
    "natural_resources": {"cockpit", "import"},
    "ecology": {"cockpit", "import"},
    "tax": {"cockpit", "import"},
    "statistics": {"cockpit", "import"},
}


@pytest.fixture
def accounts(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 tested below
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=actor)
    ensure_demo_accounts()


def login(client, role):
    response = client.post(reverse("web:login"), {"username": role, "password": role + DEMO_PASSWORD_SUFFIX})
    assert response.status_code == 302, response.content.decode()[:300]


def test_passwords_are_hashed_with_argon2(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("someone", password="a-long-password-123")
    assert user.password.startswith("argon2")


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_page_matrix(client, accounts, role):
    login(client, role)
    for page in PAGES:
        response = client.get(reverse(f"web:{page}"))
        expected = 200 if page in EXPECTED[role] else 403
        assert response.status_code == expected, (role, page, response.status_code)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("web:cockpit"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


def _cockpit_data(client):
    import json
    import re

    page = client.get(reverse("web:cockpit")).content.decode()
    embedded = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    return page, json.loads(embedded)


def test_figures_a_role_may_not_see_never_reach_its_cockpit(client, accounts):
    """Per-mu tax and value added (and the tax tiers) are derived from fields a role may not see: they are left
    out of the page and of the data embedded for the charts, not merely hidden (regression: review of issue 4)."""
    login(client, "ecology")  # sees resource figures only
    page, data = _cockpit_data(client)
    assert "亩均税收" not in page and "亩均增加值" not in page
    assert {k["key"] for k in data["kpis"]} & {"tax_per_mu", "tax_per_mu_above", "value_added_per_mu"} == set()
    assert data["tiers"] == [] and all(r["tax_per_mu"] is None and r["va_per_mu"] is None for r in data["trend"])
    assert all("tax" not in p and "tax_per_mu" not in p and "va_per_mu" not in p for p in data["parks"])
    login(client, "tax")  # sees tax, not value added
    page, data = _cockpit_data(client)
    assert "亩均税收" in page and "value_added_per_mu" not in {k["key"] for k in data["kpis"]} and data["tiers"]
    login(client, "statistics")  # sees value added, not tax
    page, data = _cockpit_data(client)
    assert "亩均增加值" in page and "tax_per_mu" not in {k["key"] for k in data["kpis"]} and data["tiers"] == []
    assert any(r["va_per_mu"] is not None for r in data["trend"])


def test_login_lockout_after_repeated_failures(client, accounts):
    for _ in range(5):
        client.post(reverse("web:login"), {"username": "tax", "password": "wrong-password"})
    response = client.post(reverse("web:login"), {"username": "tax", "password": "tax" + DEMO_PASSWORD_SUFFIX})
    assert response.status_code in (403, 429)
    assert not client.session.get("_auth_user_id")


def test_bad_query_strings_do_not_break_pages(client, accounts):
    login(client, "admin")
    for url in ("/?year=abc", "/?year=99999", "/evaluation/?run=x&page=-1&class=Z", "/audit/?since=notadate&who=%00",
                "/jobs/00000000-0000-0000-0000-000000000000/"):
        assert client.get(url).status_code in (200, 400, 404), url
    assert client.get("/audit/?who=%00").status_code == 400


def test_oversized_upload_is_refused_before_reading(client, accounts, settings):
    login(client, "economy")
    settings.PARKGOV_UPLOAD_MAX_BYTES = 1024
    body = b"x" * (3 * 1024 * 1024)
    response = client.generic("POST", reverse("web:import"), body, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413 and "超过上限" in response.content.decode()


def test_a_request_reads_user_profile_and_park_restriction_in_one_query(accounts, client, django_assert_num_queries):
    """The session's backend reads the profile with the user; the scope then needs no query of its own unless the
    profile names parks (a user restricted later, on another request, is restricted at once)."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from parkgov.accounts.backends import ProfileBackend
    from parkgov.accounts.models import Profile
    from parkgov.accounts.scopes import scope_for
    from parkgov.ledger.models import Zone

    login(client, "economy")  # sets last_login
    profile = Profile.objects.get(user__username="economy")
    with django_assert_num_queries(1):
        user = ProfileBackend().get_user(profile.user_id)
        scope = scope_for(user)
    assert user.username == "economy" and scope.role == "economy" and scope.zone_ids is None
    park = Zone.objects.filter(parent__isnull=False).order_by("code").first()
    profile.zones.add(park)
    user = ProfileBackend().get_user(profile.user_id)
    assert park.pk in scope_for(user).zone_ids
    assert ProfileBackend().get_user(10**9) is None and ProfileBackend().get_user("not-an-id") is None
    assert user.profile.user is user and user.profile.role == "economy"
    assert isinstance(user.last_login, dt.datetime) and user.is_active is True  # columns converted as the ORM does
    plain = get_user_model().objects.create_user("no-profile", password="a-long-password-123")
    with django_assert_num_queries(1):
        loaded = ProfileBackend().get_user(str(plain.pk))  # the session keeps the id as text
        assert loaded == plain and getattr(loaded, "profile", None) is None
    plain.is_active = False
    plain.save()
    assert ProfileBackend().get_user(plain.pk) is None


def test_sessions_load_with_one_statement_and_expire(db, django_assert_num_queries):
    """The session engine reads a live session in one statement and treats an expired or unknown one as new."""
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from parkgov.accounts.sessions import SessionStore

    store = SessionStore()
    store["role"] = "committee"
    store.create()
    with django_assert_num_queries(1):
        assert SessionStore(store.session_key).load() == {"role": "committee"}
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


# --- login throttling by username and address (issue 13) -----------------------------------------------------

def fail_five_times(client, username, **meta):
    for _ in range(5):
        client.post(reverse("web:login"), {"username": username, "password": "wrong-password"}, **meta)


def can_log_in(client, username, **meta):
    response = client.post(reverse("web:login"), {"username": username, "password": username + DEMO_PASSWORD_SUFFIX},
                           **meta)
    return response.status_code == 302


def test_failures_for_one_user_do_not_lock_another_from_the_same_address(client, accounts):
    """issue 13: behind the zone's proxy a lock by address shut out every member of staff."""
    fail_five_times(client, "tax", REMOTE_ADDR="198.51.100.7")
    assert not can_log_in(client, "tax", REMOTE_ADDR="198.51.100.7")
    assert can_log_in(type(client)(), "economy", REMOTE_ADDR="198.51.100.7")


def test_forwarded_for_from_an_untrusted_peer_is_ignored(client, accounts, settings):
    """issue 13: an attacker cannot escape the lock (nor lock others) by inventing X-Forwarded-For."""
    settings.PARKGOV_TRUSTED_PROXIES = ["10.1.2.3"]
    for n in range(5):
        client.post(reverse("web:login"), {"username": "tax", "password": "wrong-password"},
                    REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert not can_log_in(client, "tax", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99")


def test_forwarded_for_from_the_trusted_proxy_names_the_client(client, accounts, settings):
    """issue 13: behind the configured proxy each client is counted by its own address."""
    settings.PARKGOV_TRUSTED_PROXIES = ["10.1.2.0/24"]
    proxy = {"REMOTE_ADDR": "10.1.2.3"}
    fail_five_times(client, "tax", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5", **proxy)
    assert not can_log_in(client, "tax", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert can_log_in(type(client)(), "tax", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert can_log_in(type(client)(), "tax", REMOTE_ADDR="10.1.2.3")  # the proxy's own address is not locked


def test_trusted_proxies_setting_is_validated(monkeypatch):
    """issue 13: a mistyped proxy address fails at start-up, naming the value."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "import parkgov.settings"], capture_output=True, text=True,
                            env={**__import__("os").environ, "PARKGOV_TRUSTED_PROXIES": "10.0.0.300"})
    assert result.returncode != 0 and "10.0.0.300" in result.stderr
