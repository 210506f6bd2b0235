"""issue 15 §6: the 供地 landing page and the navigation entry. Figures per role and park (the crafted world of
`parkgov.testing.supply_world`: SZ-0001, SZ-0003 in park SZ; SZ-0002 in its child park SZ-XW1), 403 without the
`supply` read domain, links to the topic pages that exist."""

import datetime as dt

import pytest

from parkgov.testing import staff_roles
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from parkgov.accounts.scopes import role_table
from parkgov.testing import cases_world, make_commitment_check, make_review_run, supply_world

pytestmark = pytest.mark.django_db
ROLES = staff_roles()  # issue 16 §5: enterprise accounts in tests/test_scope.py
READERS = {role for role, spec in role_table()["roles"].items() if "supply" in spec["read"]}


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cases_world()
    return supply_world(today=timezone.localdate())


def user_of(role, park):
    return get_user_model().objects.get(username=role if park is None else f"{role}-xw1")


def counts(rows) -> dict:
    return {row["code"]: row["count"] for row in rows if row["count"]}


def users():
    return [(role, None) for role in ROLES] + [(role, "SZ-XW1") for role in ROLES if role != "admin"]


@pytest.mark.parametrize("role,park", users())
def test_landing_page_figures_per_role_and_park(client, world, role, park):
    """Every figure of the page counts the rows of the user's parks only; roles without supply read get 403."""
    client.force_login(user_of(role, park))
    response = client.get(reverse("supply:index"))
    if role not in READERS:
        assert response.status_code == 403, role
        return
    assert response.status_code == 200, (role, park)
    data = response.context["data"]
    if park is None:
        assert data["applications"]["total"] == 5
        assert counts(data["applications"]["states"]) == {"draft": 1, "reviewing": 1, "decided": 2, "contracted": 1}
        assert counts(data["applications"]["outcomes"]) == {"rejected": 1, "approved": 1, "conditional": 1}
        assert counts(data["commitments"]) == {"met": 1, "not_met": 1, "recovery": 1}
        assert counts(data["idle"]) == {"normal": 1, "idle": 1, "recover": 1}
        reminders = data["reminders"]
        assert (reminders["within_30"], reminders["within_90"], reminders["overdue"]) == (1, 2, 1)
        assert [(r["number"], r["milestone"]) for r in reminders["due"]] == [("C-1", "start"), ("C-2", "completion")]
        assert [(r["number"], r["milestone"], r["late_by"]) for r in reminders["late"]] == [("C-3", "start", 5)]
        assert [(q["code"], q["balance_mu"], q["pending_in"], q["pending_out"]) for q in data["quota"]] == [
            ("SZ", 42.5, 0, 1), ("SZ-XW1", 8.0, 1, 0)]
        assert data["contracts"] == 3
    else:
        assert data["applications"]["total"] == 2
        assert counts(data["applications"]["outcomes"]) == {"approved": 1, "conditional": 1}
        assert counts(data["commitments"]) == {"not_met": 1} and counts(data["idle"]) == {"idle": 1}
        reminders = data["reminders"]
        assert (reminders["within_30"], reminders["within_90"], reminders["overdue"]) == (0, 1, 0)
        assert [(q["code"], q["pending_in"]) for q in data["quota"]] == [("SZ-XW1", 1)] and data["contracts"] == 1
    page = response.content.decode()
    assert 'id="chart-commitments"' in page and 'id="supply-data"' in page
    assert ("C-3" in page) == (park is None)


def test_the_latest_run_is_counted_not_an_older_one(client, world):
    """The older run (2024) held C-2 as met; the page counts the newest whole-ledger run only, and a newer run
    limited to a zone does not replace it."""
    client.force_login(user_of("committee", None))
    from parkgov.ledger.models import Zone

    zone_run = make_review_run(as_of=dt.date(2026, 1, 31), zone=Zone.objects.get(code="SZ-XW1"))
    make_commitment_check(run=zone_run, contract=world["contracts"]["C-2"], status="rectifying")
    data = client.get(reverse("supply:index")).context["data"]
    assert data["run"] == world["run"]
    assert counts(data["commitments"]) == {"met": 1, "not_met": 1, "recovery": 1}
    newer = make_review_run(as_of=dt.date(2026, 2, 1))
    make_commitment_check(run=newer, contract=world["contracts"]["C-1"], status="not_due")
    data = client.get(reverse("supply:index")).context["data"]
    assert data["run"] == newer and counts(data["commitments"]) == {"not_due": 1}


def test_a_page_without_supply_rows_says_so(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cases_world()
    client.force_login(user_of("economy", None))
    page = client.get(reverse("supply:index")).content.decode()
    assert 'id="no-run"' in page and "暂无用地指标账户" in page


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_supply_only_to_roles_reading_it(client, world, role):
    client.force_login(user_of(role, None))
    nav = client.get(reverse("web:cockpit")).context["nav"]
    names = [item["name"] for item in nav]
    assert ("supply" in names) == (role in READERS), (role, names)
    if "supply" in names:
        item = nav[names.index("supply")]
        assert item["url"] == "/supply/"


def test_the_figures_link_to_the_topic_pages(client, world):
    """Each figure links to the page that lists its rows, with the page's own filter."""
    client.force_login(user_of("committee", None))
    page = client.get(reverse("supply:index")).content.decode()
    for url in (f"{reverse('supply:applications')}?state=decided", f"{reverse('supply:applications')}?outcome=rejected",
                f"{reverse('supply:contracts')}?status=not_met", f"{reverse('supply:idle')}?on=2025-12-31&amp;status=idle",
                reverse("supply:quota_account", args=["SZ-XW1"]), reverse("supply:control"),
                reverse("supply:contract", args=[world["contracts"]["C-3"].pk])):
        assert f'href="{url}"' in page, url
    nav = client.get(reverse("supply:index")).context["nav"]
    children = next(item for item in nav if item["name"] == "supply")["children"]
    assert [c["url"] for c in children] == ["/supply/applications/", "/supply/contracts/", "/supply/idle/",
                                            "/supply/control/", "/supply/renovations/", "/supply/quota/"]


def _cockpit(client, user):
    import json
    import re

    client.force_login(user)
    page = client.get("/").content.decode()
    return json.loads(re.search(r'id="cockpit-data" type="application/json">(.*?)</script>', page, re.S).group(1)), page


@pytest.fixture
def figures_world(world, actor, tmp_path):
    """The supply world with yearly figures (the cockpit needs a data year)."""
    from parkgov.ledger.models import Enterprise, YearlyFigure

    YearlyFigure.objects.create(enterprise=Enterprise.objects.get(credit_code=world["contracts"]["C-1"]
                                                                  .enterprise.credit_code), year=2025, tax=100)
    return world


@pytest.mark.parametrize("role,park", users())
def test_cockpit_card_counts_per_role_and_park(client, figures_world, role, park):
    """issue 15: reminders in 30 / 90 days and overdue, idle parcels (闲置 + 应收回) and contracts not meeting
    their commitments in the latest run, in the user's parks, for roles reading supply only."""
    data, page = _cockpit(client, user_of(role, park))
    card = data["supply_card"]
    if role not in READERS:
        assert card is None and 'id="supply-card"' not in page
        return
    expected = (1, 2, 1, 2, 2) if park is None else (0, 1, 0, 1, 1)
    assert (card["within_30"], card["within_90"], card["overdue"], card["idle"], card["not_met"]) == expected
    assert 'id="supply-card"' in page and 'href="/supply/#reminders"' in page


def test_cockpit_card_follows_a_new_review_run_and_a_contract_change(client, figures_world):
    """The card is cached like the other cards; a new review run and a recorded actual date change its key."""
    user = user_of("committee", None)
    assert _cockpit(client, user)[0]["supply_card"]["not_met"] == 2
    run = make_review_run(as_of=dt.date(2026, 3, 31))
    make_commitment_check(run=run, contract=figures_world["contracts"]["C-1"], status="not_met")
    card = _cockpit(client, user)[0]["supply_card"]
    assert card["not_met"] == 1 and card["idle"] == 0 and card["run"]["as_of"] == "2026-03-31"
    contract = figures_world["contracts"]["C-3"]
    contract.actual_start = timezone.localdate()
    contract.save()  # a history row: the contracts' version changes
    assert _cockpit(client, user)[0]["supply_card"]["overdue"] == 0
