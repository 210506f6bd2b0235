"""issue 14 §5: the 治理 entry of the navigation (to /governance/, with 清单, 四个一批, 案件, 检查发现) for roles that
read `list` or `case`; each sub-link only for the domain it opens; none for a role that reads neither."""

import pytest
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_table

pytestmark = pytest.mark.django_db


def _page(client, role, name):
    user = get_user_model().objects.create_user(name, password="x")
    Profile.objects.create(user=user, role=role, department=role)
    client.force_login(user, backend="parkgov.accounts.backends.ProfileBackend")
    return client.get("/")


def _governance(response):
    return next((item for item in response.context["nav"] if item["name"] == "governance"), None)


def test_roles_that_read_lists_or_cases_get_the_entry(client):
    for role, spec in role_table()["roles"].items():
        if spec.get("enterprise_bound"):
            continue  # issue 16 §5: an enterprise account's only entry is 本企业 (tests/test_appeals.py)
        if role == "admin":
            continue
        item = _governance(_page(client, role, f"nav-{role}"))
        assert item is not None and item["url"] == "/governance/", role
        labels = [str(child["label"]) for child in item["children"]]
        assert labels[:3] == ["清单", "四个一批", "案件"], role
        assert ("检查发现" in labels) == ("finding" in spec["read"]), role
    page = _page(client, "committee", "nav-page").content.decode()
    assert '<a href="/governance/" class="" aria-haspopup="true">治理</a>' in page
    assert 'href="/governance/cases/">案件</a>' in page


def test_a_role_without_list_or_case_read_has_no_entry(client, monkeypatch):
    spec = role_table()["roles"]["tax"]
    monkeypatch.setitem(spec, "read", [d for d in spec["read"] if d not in ("list", "case")])
    response = _page(client, "tax", "nav-tax")
    assert _governance(response) is None and 'href="/governance/"' not in response.content.decode()
    monkeypatch.setitem(spec, "read", [*spec["read"], "case"])
    item = _governance(_page(client, "tax", "nav-tax-cases"))
    assert [str(child["label"]) for child in item["children"]] == ["案件"]
