"""Issue 14: every case page, export and API route × every role × unscoped and park-scoped users gives exactly
the cases of the user's parks (every role reads `case`), and acting follows the workflow table per role."""

import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver, reverse
from django.utils import timezone

from parkgov.accounts.scopes import role_table, scope_for
from parkgov.accounts.services import issue_api_token
from parkgov.api.api import api
from parkgov.testing import cases_world, open_test_case, png_bytes, staff_roles

pytestmark = pytest.mark.django_db

ROLES = staff_roles()  # issue 16 §5: enterprise accounts read no cases here (tests/test_scope.py)
CASES = {None: {"SZ-0001", "SZ-0002"}, "SZ-XW1": {"SZ-0002"}}  # parcel of each case the user sees, by park
CASE_ROUTES = {"list_cases", "get_case", "create_case", "transition_case", "sign_off_case", "complete_case_step",
               "upload_case_attachments"}


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    cases_world()
    return {code: open_test_case(parcel_code=code) for code in sorted(CASES[None])}


def users():
    return [(role, None) for role in ROLES] + [(role, "SZ-XW1") for role in ROLES if role != "admin"]


def person(role, park):
    return get_user_model().objects.get(username=role if park is None else f"{role}-xw1")


def test_every_case_route_and_export_is_in_a_matrix():
    get_resolver().url_patterns  # the root URLconf registers the path converters the API uses
    names = {p.name for p in get_resolver("parkgov.governance.urls").url_patterns if p.name}
    routes = {p.name for p in api.urls[0]}
    assert CASE_ROUTES <= routes
    assert {n for n in names if n.startswith("case") and ("export" in n or "download" in n)} == {"cases_export"}


@pytest.mark.parametrize("role,park", users())
def test_board_export_and_api_give_exactly_the_cases_of_the_users_parks(client, world, role, park):
    user = person(role, park)
    client.force_login(user)
    reads = scope_for(user).can_read("case")
    assert reads  # every role reads cases (roles.yaml); departments act only on cases naming them
    page = client.get(reverse("governance:cases")).content.decode()
    shown = {code for code, case in world.items() if f'data-number="{case.number}"' in page}
    assert shown == CASES[park], (role, park)
    response = client.get(reverse("governance:cases_export"))
    sheet = fastexcel.read_excel(b"".join(response.streaming_content)).load_sheet("治理案件").to_polars()
    assert set(sheet["地块编码"].to_list()) == CASES[park]
    headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"}
    body = client.get("/api/governance/cases", headers=headers).json()
    assert {i["parcel_code"] for i in body["items"]} == CASES[park] and body["count"] == len(CASES[park])
    for code, case in world.items():
        detail = client.get(f"/api/governance/cases/{case.number}", headers=headers)
        assert detail.status_code == (200 if code in CASES[park] else 404), (role, park, code)
        page = client.get(reverse("governance:case", args=[case.number]))
        assert page.status_code == (200 if code in CASES[park] else 404), (role, park, code)


@pytest.mark.parametrize("role,park", users())
def test_api_dispatch_and_open_follow_the_table_and_the_parks(client, world, role, park):
    headers = {"Authorization": f"Bearer {issue_api_token(user=person(role, park))}"}
    case = world["SZ-0002"]  # in SZ-XW1: in every user's parks
    response = client.post(f"/api/governance/cases/{case.number}/transitions", {"action": "dispatch"},
                           content_type="application/json", headers=headers)
    assert response.status_code == (200 if role == "committee" else 403), (role, park, response.json())
    if role == "committee":
        assert response.json()["state"] == "dispatched"
    other = world["SZ-0001"]
    response = client.post(f"/api/governance/cases/{other.number}/transitions", {"action": "dispatch"},
                           content_type="application/json", headers=headers)
    assert response.status_code == (404 if park else 200 if role == "committee" else 403), (role, park)
    opened = client.post("/api/governance/cases", {"title": "x", "parcel_code": "SZ-0001", "lead_department": "fire",
                                                   "deadline": "2026-12-31"},
                         content_type="application/json", headers=headers)
    expected = 403 if role != "committee" else 422 if park else 201  # SZ-0001 is outside SZ-XW1: not found there
    assert opened.status_code == expected, (role, park, opened.json())


def test_api_walks_a_case_to_closure(client, world):
    case = world["SZ-0001"]

    def call(who, path, payload, status=200):
        headers = {"Authorization": f"Bearer {issue_api_token(user=person(who, None))}"}
        response = client.post(f"/api/governance/cases/{case.number}{path}", payload,
                               content_type="application/json", headers=headers)
        assert response.status_code == status, response.json()
        return response.json()

    call("committee", "/transitions", {"action": "dispatch"})
    call("ecology", "/transitions", {"action": "accept"})
    refused = call("ecology", "/transitions", {"action": "submit"}, 422)
    assert "整改证据" in refused["error"]["message"]
    token = issue_api_token(user=person("fire", None))
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = client.post(f"/api/governance/cases/{case.number}/attachments",
                           {"files": [SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")]},
                           headers={"Authorization": f"Bearer {token}"})
    assert uploaded.status_code == 201 and uploaded.json()["attachments"][0]["original_name"] == "现场.png"
    body = call("ecology", "/transitions", {"action": "submit", "version": uploaded.json()["version"]})
    assert body["state"] == "to_verify"
    stale = call("committee", "/transitions", {"action": "extend", "comment": "x", "new_deadline": "2027-06-30",
                                               "version": 1}, 409)
    assert "已被他人更新" in stale["error"]["message"]
    call("ecology", "/signoffs", {"decision": "approve", "comment": "合格"}, 201)
    blocked = call("committee", "/transitions", {"action": "close", "comment": "验收合格"}, 422)
    assert "消防" in blocked["error"]["message"]
    call("fire", "/signoffs", {"decision": "approve"}, 201)
    detail = call("committee", "/transitions", {"action": "close", "comment": "验收合格", "freed_mu": 9.5})
    assert detail["state"] == "closed" and detail["freed_mu"] == 9.5 and detail["acceptance_record"] == "验收合格"
    assert [e["action"] for e in detail["events"]] == ["open", "dispatch", "accept", "evidence", "submit",
                                                       "sign_off", "sign_off", "close"]
    assert detail["actions"] == [] and detail["closed_on"] == timezone.localdate().isoformat()


def test_api_steps_of_a_template_case(client, world):
    case = open_test_case(workflow="chemical_restoration", state="rectifying")
    headers = {"Authorization": f"Bearer {issue_api_token(user=person('emergency', None))}"}
    response = client.post(f"/api/governance/cases/{case.number}/steps/closure_demolition", {"note": "已拆除"},
                           content_type="application/json", headers=headers)
    assert response.status_code == 200
    steps = {s["code"]: s["status"] for s in response.json()["steps"]}
    assert steps["closure_demolition"] == "done" and steps["funds"] == "pending"
    response = client.post(f"/api/governance/cases/{case.number}/steps/funds", {},
                           content_type="application/json", headers=headers)
    assert response.status_code == 403 and "管委会" in response.json()["error"]["message"]
