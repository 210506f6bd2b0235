"""Issue 16 §3 and §2 by the web: a zone's yearly targets and monthly actuals entered and edited on a form (kinds
and units from data/targets.yaml), the zone-level green figures (ZoneGreenEntry) on the green page; Chinese errors
naming the field, nothing written on a refused form, every change in the history with its reason; only writers of
zone_eval, only their zones (scope per role and park: tests/test_scope.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.ledger.models import Zone
from parkgov.testing import small_ledger_sheets, write_workbook
from parkgov.zones.models import ZoneActual, ZoneTarget


@pytest.fixture
def zones(db, tmp_path, actor):
    from parkgov.ingest.services import import_workbook

    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    return {z.code: z for z in Zone.objects.all()}


def user(role, park=None):
    account = get_user_model().objects.create_user(f"{role}-{park or 'all'}")
    profile = Profile.objects.create(user=account, role=role, department=role)
    if park:
        profile.zones.set([Zone.objects.get(code=park)])
    return account


def test_targets_form_enters_edits_and_clears_with_history(zones, client):
    writer = user("natural_resources")
    client.force_login(writer)
    url = reverse("zones:zone_targets_edit", args=["SZ", 2025])
    form = client.get(url).content.decode()
    assert 'id="targets-form"' in form and "固定资产投资" in form and "万平方米" in form and "盘活存量用地" in form
    page = client.post(url, {"target_investment": "5000", "m1_investment": "400", "m2_investment": "600",
                             "target_plant_area": "12.5", "source": "2025 年园区工作会议"}, follow=True)
    assert "已保存：2 项目标，2 项月度完成，清除 0 项" in page.content.decode()
    assert dict(ZoneTarget.objects.filter(zone=zones["SZ"], year=2025).values_list("kind", "target")) == {
        "investment": 5000.0, "plant_area": 12.5}
    assert ZoneTarget.objects.get(kind="investment").source == "2025 年园区工作会议"
    actual = ZoneActual.objects.get(zone=zones["SZ"], month=1)
    assert (actual.value, actual.submission.method, actual.submission.actor) == (400.0, "form", writer)
    assert "20.0" in client.get(reverse("zones:zone_targets", args=["SZ", 2025])).content.decode()  # 1000/5000
    again = client.get(url).content.decode()
    assert 'name="m2_investment" value="600' in again.replace(".0", "")
    page = client.post(url, {"target_investment": "6000", "m1_investment": "400", "target_plant_area": "12.5",
                             "source": "2025 年园区工作会议"}, follow=True)
    assert "已保存：1 项目标，0 项月度完成，清除 1 项" in page.content.decode()
    assert list(ZoneActual.objects.filter(zone=zones["SZ"]).values_list("month", "value")) == [(1, 400.0)]
    history = ZoneTarget.history.filter(kind="investment").order_by("history_date")
    assert [(h.history_type, h.target, h.history_user, h.history_change_reason) for h in history] == [
        ("+", 5000.0, writer, "网页填报园区目标"), ("~", 6000.0, writer, "网页填报园区目标")]
    assert ZoneActual.history.filter(month=2, history_type="-").get().history_change_reason == "网页填报园区目标"


def test_targets_form_refuses_bad_values_in_chinese_and_writes_nothing(zones, client):
    client.force_login(user("economy"))
    url = reverse("zones:zone_targets_edit", args=["SZ", 2025])
    page = client.post(url, {"target_investment": "5000", "m3_output": "-5", "target_tax": "十万"}).content.decode()
    assert "工业总产值 3月完成（万元）" in page and "确保该值大于或等于0" in page
    assert "税收收入 年度目标（万元）" in page and "输入一个数字" in page and 'class="invalid"' in page
    assert not ZoneTarget.objects.exists() and not ZoneActual.objects.exists()
    assert client.get(reverse("zones:zone_targets_edit", args=["SZ", 1999])).status_code == 200
    page = client.post(reverse("zones:zone_targets_edit", args=["SZ", 1999]), {"target_investment": "1"}).content
    assert "年度 1999 不在允许范围 2000–2100" in page.decode() and not ZoneTarget.objects.exists()


def test_targets_form_only_for_writers_of_their_zones(zones, client):
    client.force_login(user("committee"))  # reads zone_eval, does not write it
    assert client.get(reverse("zones:zone_targets_edit", args=["SZ", 2025])).status_code == 403
    assert 'id="edit-targets"' not in client.get(reverse("zones:zone_targets", args=["SZ", 2025])).content.decode()
    client.force_login(user("economy", "SZ-XW1"))
    assert client.post(reverse("zones:zone_targets_edit", args=["SZ", 2025]),
                       {"target_investment": "1"}).status_code == 404
    assert client.get(reverse("zones:zone_targets_edit", args=["SZ-XW1", 2025])).status_code == 200
    assert 'id="edit-targets"' in client.get(reverse("zones:zone_targets", args=["SZ-XW1", 2025])).content.decode()
    assert not ZoneTarget.objects.exists()


@pytest.fixture
def green(db, tmp_path, actor):
    from parkgov.testing import green_world

    green_world(folder=tmp_path, actor=actor)


def test_green_entry_form_sets_the_figures_with_provenance_and_history(green, client):
    from parkgov.zones.bottom_line import zone_outcomes
    from parkgov.zones.models import ZoneGreenEntry

    assert zone_outcomes(zone="SZ", year=2025)["failed"] == 3
    writer = user("economy")
    client.force_login(writer)
    zone_page = client.get(reverse("zones:green_zone", args=["SZ", 2025])).content.decode()
    assert 'id="green-entry-link"' in zone_page and reverse("zones:green_entry", args=["SZ", 2015]) in zone_page
    url = reverse("zones:green_entry", args=["SZ", 2025])
    form = client.get(url).content.decode()
    assert 'id="green-entry-form"' in form and 'name="waste_utilised"' in form and 'value="9.0"' in form
    page = client.post(url, {"waste_generated": "10", "waste_utilised": "9.8", "iso14001": "yes"}, follow=True)
    assert "已保存 2025 年园区绿色指标：1 项有变化" in page.content.decode()
    entry = ZoneGreenEntry.objects.get(zone__code="SZ", year=2025)
    assert (entry.waste_utilised, entry.iso14001) == (9.8, "yes")
    assert entry.history.latest().history_change_reason == "网页填报园区绿色指标"
    assert entry.history.latest().history_user == writer
    from parkgov.ledger.models import Submission

    source = Submission.objects.get(pk=entry.provenance["waste_utilised"])
    assert (source.method, source.actor, source.summary["fields"]) == ("form", writer, ["waste_utilised"])
    assert zone_outcomes(zone="SZ", year=2025)["failed"] == 2  # solid waste 98 % now passes
    client.post(url, {"waste_generated": "10", "waste_utilised": "9.8", "iso14001": ""})
    entry.refresh_from_db()
    assert entry.iso14001 is None and "iso14001" not in entry.provenance
    new = client.post(reverse("zones:green_entry", args=["SZ-XW1", 2015]), {"value_added": "800"}, follow=True)
    assert "已保存 2015 年园区绿色指标" in new.content.decode()
    assert ZoneGreenEntry.objects.get(zone__code="SZ-XW1", year=2015).value_added == 800.0


def test_green_entry_form_refuses_bad_figures_in_chinese(green, client):
    from parkgov.zones.models import ZoneGreenEntry

    client.force_login(user("natural_resources"))
    url = reverse("zones:green_entry", args=["SZ", 2025])
    before = list(ZoneGreenEntry.objects.values_list("waste_generated", "waste_utilised", "iso14001"))
    page = client.post(url, {"waste_generated": "10", "waste_utilised": "12", "iso14001": "yes"}, follow=True)
    assert "综合利用量 12 万吨大于产生量与往年贮存量之和 10 万吨" in page.content.decode()
    page = client.post(url, {"energy_tce": "-3", "iso14001": "maybe"}).content.decode()
    assert "规上综合能耗（吨标准煤）" in page and "确保该值大于或等于0" in page and "选择一个有效的选项" in page
    assert list(ZoneGreenEntry.objects.values_list("waste_generated", "waste_utilised", "iso14001")) == before


def test_green_entry_form_only_for_writers_of_their_zones(green, client):
    client.force_login(user("committee"))
    assert client.get(reverse("zones:green_entry", args=["SZ", 2025])).status_code == 403
    assert 'id="green-entry-link"' not in client.get(reverse("zones:green_zone", args=["SZ", 2025])).content.decode()
    client.force_login(user("economy", "SZ-XW1"))
    assert client.post(reverse("zones:green_entry", args=["SZ", 2025]), {"iso14001": "no"}).status_code == 404
    assert client.get(reverse("zones:green_entry", args=["SZ-XW1", 2025])).status_code == 200
