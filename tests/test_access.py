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


def test_tax_figures_hidden_from_ecology_on_the_cockpit(client, accounts):
    login(client, "ecology")
    page = client.get(reverse("web:cockpit")).content.decode()
    assert "亩均增加值" in page and "亩均税收" not in page and '"tax"' not in page
    login(client, "tax")
    assert "亩均税收" in client.get(reverse("web:cockpit")).content.decode()


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
