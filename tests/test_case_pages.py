"""Issue 14 §5: the case board (overdue first, filters, scope), the case page (timeline, evidence, sign-offs,
steps, exactly the user's actions), 立案 from a list entry and from the board, the action forms."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.governance.models import Case, ListEntry, ListRun
from parkgov.ledger.models import Parcel, Zone
from parkgov.testing import cases_world, open_test_case, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return cases_world()


def login(client, name):
    client.force_login(get_user_model().objects.get(username=name))


def board_numbers(client, **params) -> list:
    response = client.get(reverse("governance:cases"), params)
    assert response.status_code == 200, response.content[:500]
    return re.findall(r'data-number="([^"]+)"', response.content.decode())


def test_board_lists_overdue_first_and_filters(client, world):
    later = open_test_case(deadline=dt.date(2099, 1, 1), title="晚")
    late = open_test_case(deadline=dt.date(2020, 1, 1), title="逾期", departments=("fire",))
    park = open_test_case(parcel_code="SZ-0002", deadline=dt.date(2098, 1, 1), title="园中园", state="rectifying")
    login(client, "committee")
    assert board_numbers(client) == [late.number, park.number, later.number]
    assert board_numbers(client, overdue="1") == [late.number]
    assert board_numbers(client, state="rectifying") == [park.number]
    assert board_numbers(client, department="ecology") == [park.number, later.number]
    assert board_numbers(client, zone="SZ-XW1") == [park.number]
    assert set(board_numbers(client, zone="SZ")) == {late.number, park.number, later.number}  # with its child park
    page = client.get(reverse("governance:cases")).content.decode()
    assert 'id="open-case"' in page and "逾期 1 件" in page
    response = client.get(reverse("governance:cases"), {"state": "bogus"})
    assert response.status_code == 200 and "未知的案件状态" in response.content.decode()


@pytest.mark.parametrize("name,expected,opens", [
    ("committee", {"SZ", "XW1"}, True), ("tax", {"SZ", "XW1"}, False), ("ecology-xw1", {"XW1"}, False),
    ("committee-xw1", {"XW1"}, True), ("admin", {"SZ", "XW1"}, False)])
def test_board_rows_follow_the_users_parks(client, world, name, expected, opens):
    cases = {"SZ": open_test_case(), "XW1": open_test_case(parcel_code="SZ-0002")}
    login(client, name)
    assert set(board_numbers(client)) == {cases[k].number for k in expected}
    assert ('id="open-case"' in client.get(reverse("governance:cases")).content.decode()) == opens
    outside = {"SZ", "XW1"} - expected
    for key in outside:
        assert client.get(reverse("governance:case", args=[cases[key].number])).status_code == 404


def test_case_page_shows_exactly_the_users_actions(client, world):
    case = open_test_case(state="to_verify")
    pages = {}
    for name in ("committee", "ecology", "emergency", "tax"):
        login(client, name)
        response = client.get(reverse("governance:case", args=[case.number]))
        assert response.status_code == 200
        pages[name] = set(re.findall(r'id="action-(\w+)"', response.content.decode()))
    assert pages == {"committee": {"close", "return", "extend"}, "ecology": {"return", "sign_off"},
                     "emergency": set(), "tax": set()}


def test_the_forms_move_the_case_and_refusals_show_the_reason(client, world):
    case = open_test_case()
    login(client, "committee")
    url = reverse("governance:case_act", args=[case.number])
    response = client.post(url, {"action": "dispatch", "version": case.version, "comment": "请尽快"}, follow=True)
    assert "已办理" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "dispatched"
    stale = client.post(url, {"action": "extend", "version": case.version - 1, "comment": "x",
                              "new_deadline": "2027-06-30"}, follow=True).content.decode()
    assert "已被他人更新" in stale
    login(client, "ecology")
    client.post(url, {"action": "accept", "version": case.version})
    case.refresh_from_db()
    refused = client.post(url, {"action": "submit", "version": case.version}, follow=True).content.decode()
    assert "无法提交核验" in refused and "整改证据" in refused
    upload = client.post(reverse("governance:case_evidence", args=[case.number]),
                         {"files": [_file("现场.png")], "comment": "整改后"}, follow=True).content.decode()
    assert "证据材料已上传" in upload
    client.post(url, {"action": "submit", "version": case.version})
    case.refresh_from_db()
    assert case.state == "to_verify"
    page = client.get(reverse("governance:case", args=[case.number])).content.decode()
    assert "现场.png" in page and page.count('data-action="') == 5  # open, dispatch, accept, evidence, submit
    attachment = case.attachments.get()
    assert client.get(reverse("governance:attachment", args=[attachment.pk])).status_code == 200
    login(client, "fire")
    client.post(reverse("governance:case_sign", args=[case.number]), {"decision": "reject", "comment": "未整改"})
    login(client, "ecology")
    client.post(reverse("governance:case_sign", args=[case.number]), {"decision": "approve"})
    page = client.get(reverse("governance:case", args=[case.number])).content.decode()
    assert "不同意" in page and "未整改" in page and "同意销号" in page


def _file(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_template_case_page_shows_steps_and_the_departments_step_form(client, world):
    case = open_test_case(workflow="chemical_restoration", state="rectifying")
    login(client, "emergency")
    page = client.get(reverse("governance:case", args=[case.number])).content.decode()
    assert page.count("data-step=") == 7 and 'id="step-closure_demolition"' in page and 'id="step-funds"' not in page
    client.post(reverse("governance:case_step", args=[case.number, "closure_demolition"]), {"note": "已拆除"})
    assert case.steps.get(code="closure_demolition").status == "done"


def test_open_from_a_list_entry_is_prefilled_and_opens(client, world):
    parcel = Parcel.objects.get(code="SZ-0002")
    run = ListRun.objects.create(rule_id="low_efficiency", rule_version=1, rule_hash="x", rule_name="亩均低效企业用地",
                                 owner_department="economy", subject="parcel", year=2025, input_hash="y")
    entry = ListEntry.objects.create(run=run, subject_key="SZ-0002", parcel=parcel, zone=parcel.zone,
                                     reasons=["亩均税收 2.7 万元/亩 < 5"])
    login(client, "committee")
    page = client.get(reverse("governance:case_open"), {"entry": entry.pk}).content.decode()
    assert 'value="SZ-0002"' in page and "亩均低效企业用地" in page and 'value="economy" selected' in page
    response = client.post(reverse("governance:case_open"), {
        "title": "乙领带地块提升", "parcel_code": "SZ-0002", "lead_department": "economy",
        "departments": ["economy", "natural_resources"], "deadline": "2026-12-31", "workflow": "case",
        "list_entry": entry.pk, "target_free_mu": "3"})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("governance:case", args=[case.number])
    assert case.list_entry == entry and case.departments == ["economy", "natural_resources"]
    assert case.zone == Zone.objects.get(code="SZ-XW1") and case.target_free_mu == 3
    refused = client.post(reverse("governance:case_open"), {
        "title": "x", "parcel_code": "NOPE", "lead_department": "economy", "deadline": "2026-12-31",
        "workflow": "case"}).content.decode()
    assert "没有地块编码为“NOPE”的地块" in refused and Case.objects.count() == 1


def test_open_is_refused_to_departments(client, world):
    login(client, "ecology")
    assert client.get(reverse("governance:case_open")).status_code == 403  # writes `case`; the table refuses
    response = client.post(reverse("governance:case_open"), {
        "title": "x", "parcel_code": "SZ-0001", "lead_department": "ecology", "deadline": "2026-12-31",
        "workflow": "case"})
    assert response.status_code == 403 and "不能立案" in response.content.decode() and not Case.objects.exists()
