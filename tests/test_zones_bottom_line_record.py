"""Issue 16 §2: the frozen yearly 底线 record. A 确认 stores every zone's outcome per indicator, the inputs' values,
the set's version, who and when; afterwards the history, the cockpit card, the workbook and the annual report show
the record, the zone's page shows where today's data would give another outcome, and the consequences of later
years run on the confirmed counts. Re-confirming needs a reason; every confirmation is in the history. SQLite and
PostgreSQL."""

import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import scope_for
from parkgov.audit.context import acting_as
from parkgov.errors import InputError
from parkgov.ledger.models import Zone
from parkgov.testing import green_world
from parkgov.zones.bottom_line import zone_outcomes, zones_outcomes
from parkgov.zones.bottom_line_record import confirm_year
from parkgov.zones.models import BottomLineConfirmation, BottomLineRecord, ZoneGreenEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, actor):
    green_world(folder=tmp_path, actor=actor)


def user(role, park=None):
    account = get_user_model().objects.create_user(f"{role}-{park or 'all'}")
    profile = Profile.objects.create(user=account, role=role, department=role)
    if park:
        profile.zones.set([Zone.objects.get(code=park)])
    return account


def mend_2024():
    """SZ states its ISO 14001 certificate for 2024 after all: today's data give 1 failed instead of 2."""
    ZoneGreenEntry.objects.filter(zone__code="SZ", year=2024).update(iso14001="yes")


def test_a_confirmed_year_keeps_its_record_when_the_data_change(world, actor):
    with acting_as(actor, reason="确认 2024 年底线考核"):
        confirmation = confirm_year(year=2024, actor=actor)
    assert (confirmation.year, confirmation.set_version, confirmation.zones) == (2024, 1, 2)
    assert confirmation.set_name == "2024 年度开发区绿色发展考核底线指标" and confirmation.green_profile_hash
    record = BottomLineRecord.objects.get(confirmation=confirmation, zone__code="SZ")
    assert (record.failed, record.consequence) == (2, "通报约谈")
    assert {i["code"]: i["passed"] for i in record.indicators}["iso14001"] is False
    assert record.inputs["iso14001"] == 0.0 and record.inputs["waste_utilised"] == pytest.approx(9.8)
    assert record.inputs["energy_source"] == "firms" and record.inputs["energy_intensity_baseline"] == 0.75
    mend_2024()
    outcome = zone_outcomes(zone="SZ", year=2024)
    assert (outcome["failed"], outcome["consequence"]) == (2, "通报约谈")  # the record, not today's data
    assert outcome["confirmed"]["version"] == 1 and outcome["confirmed"]["by"] == actor.username
    assert (outcome["current"]["failed"], outcome["current"]["consequence"]) == (1, "")
    assert [(c["name"], c["confirmed"], c["current"]) for c in outcome["changes"]] == [
        ("通过 ISO 14001 环境管理体系认证", "0.00 · 不达标", "1.00 · 达标"), ("处理", "通报约谈", "无")]
    # 2025 is not confirmed: today's figures, but the consequence runs on 2024's confirmed count (2 failed)
    later = zone_outcomes(zone="SZ", year=2025)
    assert later["confirmed"] is None and later["consequence"] == "问责"
    assert [(h["year"], h["failed"], h["confirmed"]) for h in later["history"]] == [
        (2023, 0, False), (2024, 2, True), (2025, 3, False)]
    assert {o["zone"].code: bool(o["changes"]) for o in zones_outcomes(year=2024)} == {"SZ": True, "SZ-XW1": False}


def test_reconfirming_needs_a_reason_and_replaces_the_record(world, actor):
    first = confirm_year(year=2024, actor=actor)
    mend_2024()
    with pytest.raises(InputError, match="2024 年底线考核已于 .* 确认；重新确认须填写理由"):
        confirm_year(year=2024, actor=actor, reason="  ")
    with acting_as(actor, reason="企业补报认证证书"):
        second = confirm_year(year=2024, actor=actor, reason="企业补报认证证书")
    assert second.replaces == first and BottomLineConfirmation.objects.count() == 2
    outcome = zone_outcomes(zone="SZ", year=2024)
    assert (outcome["failed"], outcome["consequence"], outcome["changes"]) == (1, "", [])
    assert outcome["confirmed"]["reason"] == "企业补报认证证书" and outcome["confirmed"]["reconfirmed"]
    assert zone_outcomes(zone="SZ", year=2025)["consequence"] == "通报约谈"
    history = BottomLineConfirmation.history.order_by("history_date")
    assert [(h.history_type, h.history_change_reason) for h in history] == [("+", None), ("+", "企业补报认证证书")]


def test_only_a_writer_of_every_zone_confirms(world):
    with pytest.raises(PermissionDenied, match="不限园区"):
        confirm_year(year=2024, actor=None, scope=scope_for(user("economy", "SZ-XW1")))
    with pytest.raises(Exception, match="没有 2022 年的底线指标"):
        confirm_year(year=2022, actor=None)
    assert not BottomLineConfirmation.objects.exists()


def test_pages_cockpit_and_annual_report_show_the_frozen_record(client, world):
    client.force_login(user("committee"))  # reads zone_eval, does not write it
    assert 'id="confirm-form"' not in client.get(reverse("zones:green"), {"year": 2024}).content.decode()
    assert client.post(reverse("zones:green_confirm", args=[2024])).status_code == 403
    client.force_login(user("economy", "SZ-XW1"))
    assert 'id="confirm-form"' not in client.get(reverse("zones:green"), {"year": 2024}).content.decode()
    page = client.post(reverse("zones:green_confirm", args=[2024]), follow=True).content.decode()
    assert "须由不限园区的账号确认" in page and not BottomLineConfirmation.objects.exists()
    writer = user("economy")
    client.force_login(writer)
    index = client.get(reverse("zones:green"), {"year": 2024}).content.decode()
    assert 'id="unconfirmed"' in index and 'id="confirm-form"' in index
    page = client.post(reverse("zones:green_confirm", args=[2024]), follow=True).content.decode()
    assert "已确认 2024 年底线考核（2 个园区）" in page and 'id="confirmed"' in page
    assert BottomLineConfirmation.objects.get().confirmed_by == writer
    mend_2024()
    refused = client.post(reverse("zones:green_confirm", args=[2024]), follow=True).content.decode()
    assert "重新确认须填写理由" in refused and BottomLineConfirmation.objects.count() == 1
    assert "1 个园区的结果将有不同" in refused
    zone = client.get(reverse("zones:green_zone", args=["SZ", 2024])).content.decode()
    assert 'id="frozen"' in zone and 'id="changes"' in zone and "按当前数据的考核后果：无" in zone
    assert re.search(r'data-key="consequence">.*?通报约谈', zone, re.S)
    assert 'id="no-changes"' in client.get(reverse("zones:green_zone", args=["SZ-XW1", 2024])).content.decode()
    cockpit = client.get(reverse("web:cockpit"), {"year": 2024}).content.decode()
    assert "已确认（" in cockpit and "1 个园区按当前数据结果不同" in cockpit
    pdf = client.get(reverse("reports:annual_pdf", args=["SZ", 2024]))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    text = re.sub(r"\s+", "", text)
    assert f"由{writer.username}确认" in text and "未达标底线指标2项" in text and "通报约谈" in text
    client.post(reverse("zones:green_confirm", args=[2024]), {"reason": "企业补报认证证书"})
    index = client.get(reverse("zones:green"), {"year": 2024}).content.decode()
    assert 'id="confirmations"' in index and "企业补报认证证书" in index
