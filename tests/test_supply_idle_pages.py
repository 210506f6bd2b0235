"""The idle-land pages: the list with its filters and export, a parcel's clock, the notice and exception forms
(Chinese errors, nothing written on refusal), scope by park and role, and the `parkgov supply idle` command."""

import datetime as dt
import io

import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.ledger.models import Zone
from parkgov.supply.models import IdleException, IdleNotice
from parkgov.testing import idle_world

pytestmark = pytest.mark.django_db
ON = {"on": "2025-12-31"}


@pytest.fixture
def world(tmp_path, actor):
    from parkgov.accounts.services import ensure_demo_accounts

    contracts = idle_world(folder=tmp_path, actor=actor)
    ensure_demo_accounts()
    user = get_user_model().objects.create_user("natural_resources-xw1")
    Profile.objects.create(user=user, role="natural_resources", department="natural_resources").zones.set(
        [Zone.objects.get(code="SZ-XW1")])
    return contracts


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def parcels_on_page(response) -> list[str]:
    text = response.content.decode()
    return [chunk.split('"', 1)[0] for chunk in text.split('data-parcel="')[1:]]


def test_list_page_filters_and_counts(client, world):
    login(client, "natural_resources")
    response = client.get(reverse("supply:idle"), ON)
    assert response.status_code == 200
    assert parcels_on_page(response) == ["SZ-0003", "SZ-0001", "SZ-0002"]  # 应收回, 闲置, 即将闲置
    text = response.content.decode()
    assert "土地闲置费合计 240.00 万元" in text and "已过 61 天" in text
    response = client.get(reverse("supply:idle"), {**ON, "status": "warning"})
    assert parcels_on_page(response) == ["SZ-0002"]
    sz = Zone.objects.get(code="SZ-XW1")
    assert parcels_on_page(client.get(reverse("supply:idle"), {**ON, "zone": sz.pk})) == ["SZ-0002"]
    # an as-of date before every warning: nothing needs attention; all supplied parcels with status ""
    assert parcels_on_page(client.get(reverse("supply:idle"), {"on": "2024-01-01"})) == []
    everything = client.get(reverse("supply:idle"), {"on": "2024-01-01", "status": ""})
    assert sorted(parcels_on_page(everything)) == ["SZ-0001", "SZ-0002", "SZ-0003"]


def test_park_scoped_user_sees_only_the_parks_parcels(client, world):
    login(client, "natural_resources-xw1")
    assert parcels_on_page(client.get(reverse("supply:idle"), ON)) == ["SZ-0002"]
    assert client.get(reverse("supply:idle_parcel", args=["SZ-0001"])).status_code == 404
    assert client.get(reverse("supply:idle_notice_new", args=["SZ-0001"])).status_code == 404
    assert client.get(reverse("supply:idle_parcel", args=["SZ-0002"])).status_code == 200


def test_roles_without_supply_are_refused(client, world):
    login(client, "enforcement")
    assert client.get(reverse("supply:idle")).status_code == 403
    assert client.get(reverse("supply:idle_export")).status_code == 403
    login(client, "economy")  # reads supply …
    assert client.get(reverse("supply:idle")).status_code == 200


def test_export_has_the_rows_the_page_shows_and_a_notes_sheet(client, world):
    login(client, "natural_resources")
    response = client.get(reverse("supply:idle_export"), {**ON, "status": "idle"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    reader = fastexcel.read_excel(io.BytesIO(response.content).getvalue())
    assert reader.sheet_names == ["闲置土地", "说明"]
    sheet = reader.load_sheet("闲置土地").to_polars()
    assert sheet["地块编码"].to_list() == ["SZ-0001"]
    row = sheet.row(0, named=True)
    assert row["闲置状态"] == "闲置" and row["土地闲置费（万元）"] == pytest.approx(240.0)
    assert str(row["满一年之日"])[:10] == "2025-11-30" and row["合同编号"] == "HT-IDLE-1"
    notes = reader.load_sheet("说明", header_row=None).to_polars()
    assert "2025-12-31" in notes.to_series(1).to_list()


def test_notice_form_records_and_refuses_in_chinese(client, world):
    login(client, "natural_resources")
    url = reverse("supply:idle_notice_new", args=["SZ-0001"])
    response = client.post(url, {"kind": "investigation", "issued_on": "2025-12-05", "served_on": "2025-12-04"})
    assert response.status_code == 200
    assert "闲置土地调查通知书的送达日期 2025-12-04 早于发出日期 2025-12-05" in response.content.decode()
    assert not IdleNotice.objects.exists()
    response = client.post(url, {"kind": "investigation", "issued_on": "2025-12-05", "served_on": "2025-12-08",
                                 "document_number": "嵊自然资调〔2025〕7号"})
    assert response.status_code == 302
    notice = IdleNotice.objects.get()
    assert notice.answer_due == dt.date(2026, 1, 7) and notice.history.get().history_user.username == "natural_resources"
    page = client.get(reverse("supply:idle_parcel", args=["SZ-0001"]), ON).content.decode()
    assert "嵊自然资调〔2025〕7号" in page and "2026-01-07" in page
    response = client.post(reverse("supply:idle_notice_edit", args=["SZ-0001", notice.pk]),
                           {"kind": "investigation", "issued_on": "2025-12-05", "served_on": "2025-12-08",
                            "answered_on": "2025-12-30", "document_number": notice.document_number})
    assert response.status_code == 302 and IdleNotice.objects.get().answered_on == dt.date(2025, 12, 30)


def test_exception_form_changes_the_status(client, world):
    login(client, "natural_resources")
    url = reverse("supply:idle_exception_new", args=["SZ-0001"])
    response = client.post(url, {"cause": "plan_changed", "reason": "控规调整", "starts_on": "2025-01-01",
                                 "extended_start": "2026-01-01"})
    assert "超过上限 2025-11-30" in response.content.decode() and not IdleException.objects.exists()
    response = client.post(url, {"cause": "plan_changed", "reason": "控规调整", "starts_on": "2025-01-01",
                                 "extended_start": "2025-11-01"})
    assert response.status_code == 302
    page = client.get(reverse("supply:idle_parcel", args=["SZ-0001"]), ON).content.decode()
    assert "政府原因闲置" in page and "2026-11-01" in page   # extended start + one year
    listed = client.get(reverse("supply:idle"), {**ON, "status": "government"})
    assert parcels_on_page(listed) == ["SZ-0001"]


def test_cli_writes_the_workbook(world, tmp_path):
    from typer.testing import CliRunner

    from parkgov.cli import app

    out = tmp_path / "idle.xlsx"
    result = CliRunner().invoke(app, ["supply", "idle", "--on", "2025-12-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 宗" in result.output
    sheet = fastexcel.read_excel(out.read_bytes()).load_sheet("闲置土地").to_polars()
    assert sorted(sheet["地块编码"].to_list()) == ["SZ-0001", "SZ-0002", "SZ-0003"]
    result = CliRunner().invoke(app, ["supply", "idle", "--on", "2025-13-01", "--out", str(out)])
    assert result.exit_code != 0 and "2025-13-01" in result.output
