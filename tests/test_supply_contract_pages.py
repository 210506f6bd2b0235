"""标准地 pages: the list with filters and reminders, one contract, the edit form (the shared invariants), the
export round trip, the review job and its workbook, and the review API."""

import datetime as dt

import fastexcel
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.services import issue_api_token
from parkgov.ingest.services import import_workbook
from parkgov.jobs.models import Job
from parkgov.supply.models import Contract, ReviewRun
from parkgov.supply.reminders import reminders
from parkgov.testing import contracts_world, small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    return contracts_world(folder=tmp_path, actor=actor)


@pytest.fixture
def admin(client, world):
    user = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(user)
    return user


def _table(response) -> str:
    return response.content.decode().split('id="contract-table"')[1].split("</table>")[0]


def test_list_shows_latest_status_and_filters(client, admin, world):
    page = _table(client.get(reverse("supply:contracts")))
    assert "BZD-2021-0001" in page and "BZD-2021-0002" in page and "未达标" in page
    page = _table(client.get(reverse("supply:contracts"), {"zone": "SZ-XW1"}))
    assert "BZD-2021-0001" not in page and "BZD-2021-0002" in page
    page = _table(client.get(reverse("supply:contracts"), {"status": "not_met"}))
    assert "BZD-2021-0001" in page and "BZD-2021-0002" not in page
    page = _table(client.get(reverse("supply:contracts"), {"status": "met"}))
    assert "BZD-2021-0001" not in page


def test_detail_shows_formula_and_next_step(client, admin, world):
    contract = Contract.objects.get(number="BZD-2021-0001")
    page = client.get(reverse("supply:contract", args=[contract.pk])).content.decode()
    assert "土地价款 1200 万元 × 1% × 短缺 9.33 个百分点 = 111.96 万元" in page
    assert "限期整改至 2026-12-31" in page


def test_edit_form_refuses_dates_out_of_order_and_saves_good_ones(client, admin, world):
    contract = Contract.objects.get(number="BZD-2021-0001")
    url = reverse("supply:contract_edit", args=[contract.pk])
    data = {"signed_on": "2021-03-01", "agreed_start": "2021-09-01", "agreed_completion": "2021-06-01",
            "agreed_production": "2025-03-01", "ind_tax_per_mu": "20", "breach_rule": "shortfall-1pct"}
    response = client.post(url, data)
    assert response.status_code == 200 and "约定竣工日期早于约定动工日期" in response.content.decode()
    contract.refresh_from_db()
    assert contract.agreed_completion == dt.date(2023, 3, 1)
    response = client.post(url, {**data, "agreed_completion": "2023-03-01"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.indicators == {"tax_per_mu": 20.0}
    assert contract.history.latest().history_user == admin


def test_export_round_trips_through_the_import(client, admin, world, tmp_path, actor):
    response = client.get(reverse("supply:contracts_export"))
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    assert fastexcel.read_excel(str(path)).load_sheet("标准地承诺").height == 2
    report = import_workbook(path=path, actor=actor)
    assert report.written["标准地承诺"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_review_job_runs_and_offers_the_workbook(client, admin, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("supply:review_start"), {"year": 2025, "on": "2027-01-01", "zone": ""})
    job = Job.objects.get(kind="supply_review")
    assert response.status_code == 302 and job.status == "done", job.message
    run = ReviewRun.objects.get(pk=job.result["run"])
    assert run.commitments.get(contract__number="BZD-2021-0001").status == "recovery"  # 2nd failure after the period
    body = b"".join(client.get(reverse("web:job_download", args=[job.pk])).streaming_content)
    sheet = fastexcel.read_excel(body).load_sheet("达产复核").to_polars()
    assert dict(zip(sheet.get_column("合同编号").to_list(), sheet.get_column("复核结果").to_list())) == {
        "BZD-2021-0001": "应收回", "BZD-2021-0002": "缺少数据"}


def test_api_runs_checks_and_patch(client, admin, world):
    headers = {"Authorization": f"Bearer {issue_api_token(user=admin)}"}
    runs = client.get("/api/supply/reviews", headers=headers).json()
    assert runs["count"] == 1 and runs["items"][0]["damages"] == pytest.approx(111.96)
    checks = client.get(f"/api/supply/reviews/{world.pk}/commitments", headers=headers).json()
    # firm 2 has no 2025 figures
    assert {c["contract_number"]: c["status"] for c in checks["items"]} == {"BZD-2021-0001": "not_met",
                                                                            "BZD-2021-0002": "no_data"}
    contract = Contract.objects.get(number="BZD-2021-0001")
    bad = client.patch(f"/api/supply/contracts/{contract.pk}", {"agreed_production": "2022-01-01"},
                       content_type="application/json", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["message"] == "约定达产日期早于约定竣工日期"
    good = client.patch(f"/api/supply/contracts/{contract.pk}", {"indicators": {"tax_per_mu": 22}},
                        content_type="application/json", headers=headers)
    assert good.status_code == 200 and good.json()["indicators"]["tax_per_mu"] == 22


@pytest.mark.parametrize("today, within_30, within_90, overdue", [
    (dt.date(2023, 1, 1), [], [("竣工", 59)], []),           # 2023-03-01 is 59 days away
    (dt.date(2023, 2, 28), [("竣工", 1)], [("竣工", 1)], []),
    (dt.date(2025, 3, 2), [], [], [("达产", -1)]),            # 达产 passed, latest review not met
])
def test_reminders_windows_and_overdue(world, today, within_30, within_90, overdue):
    Contract.objects.filter(number="BZD-2021-0002").delete()
    Contract.objects.filter(number="BZD-2021-0001").update(actual_completion=None)
    found = reminders(scope=None, today=today)
    pick = lambda items: [(i["stage"], i["days"]) for i in items]  # noqa: E731
    assert pick(found["within_30"]) == within_30 and pick(found["within_90"]) == within_90
    assert pick(found["overdue"]) == [("竣工", (dt.date(2023, 3, 1) - today).days)] * (today > dt.date(2023, 3, 1)) \
        + overdue


def test_web_import_page_accepts_the_sheet(client, admin, world, tmp_path, django_capture_on_commit_callbacks):
    from parkgov.testing import CONTRACT_HEADER, contract_row

    good = write_workbook(tmp_path / "合同.xlsx", {"标准地承诺": [CONTRACT_HEADER, contract_row(number="WEB-1")]})
    bad = write_workbook(tmp_path / "错误.xlsx", {"标准地承诺": [CONTRACT_HEADER, contract_row(
        number="WEB-2", **{"约定达产日期": dt.date(2022, 1, 1)})]})
    for path in (good, bad):
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
            client.post(reverse("web:import"), {"file": handle})
    done, rejected = Job.objects.filter(kind="import").order_by("created_at")
    assert done.status == "done" and Contract.objects.filter(number="WEB-1").exists()
    assert rejected.status == "rejected" and not Contract.objects.filter(number="WEB-2").exists()
    assert rejected.result["issues"][0] == {"sheet": "标准地承诺", "row": 2, "column": "约定达产日期",
                                            "value": rejected.result["issues"][0]["value"],
                                            "message": "约定达产日期早于约定竣工日期"}
    assert rejected.output_file.endswith("错误清单.xlsx")
