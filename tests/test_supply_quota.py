"""Issue 15 §5: the zones' land-quota accounts (空间补偿 / 指标调剂, changzhou-2024): a restoration case closing
credits its zone (through governance's case_closed signal), debits for supplied parcels, transfers approved or
refused by the 管委会, the balance never negative (service under a row lock, and the database constraint, also
with two debits at once on PostgreSQL), refused inputs with Chinese messages, roles and park scope, the pages."""

import datetime as dt
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from parkgov.accounts.scopes import scope_for
from parkgov.errors import InputError
from parkgov.governance.cases import transition
from parkgov.governance.models import Case, CaseSignoff
from parkgov.ledger.models import Parcel, Zone
from parkgov.supply import quota
from parkgov.supply.models import QuotaAccount, QuotaMovement, QuotaTransfer
from parkgov.testing import cases_world, open_test_case

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 6, 30)


def user(name):
    return get_user_model().objects.get(username=name)


def scope(name):
    return scope_for(user(name))


def close_restoration(*, parcel_code="SZ-0001", free_mu=12.5, workflow="chemical_restoration"):
    """A restoration case brought to 待核验 with every department's 同意 (set-up), then 销号 through the service."""
    case = open_test_case(workflow=workflow, parcel_code=parcel_code, state="to_verify", targets={"free_mu": free_mu})
    for department in case.departments:
        CaseSignoff.objects.create(case=case, round=case.round, department=department, decision="approve")
    committee = user("committee")
    transition(case=case, action="close", actor=committee, scope=scope_for(committee), comment="验收合格",
               today=DAY)
    case.refresh_from_db()
    return case


@pytest.fixture
def world(db):
    cases_world()
    return {"SZ": Zone.objects.get(code="SZ"), "XW1": Zone.objects.get(code="SZ-XW1")}


def balance(zone) -> float:
    return QuotaAccount.objects.get(zone=zone).balance_mu


def test_closing_a_restoration_case_credits_its_zone_once_linked_to_the_case(world):
    case = close_restoration()
    credit = QuotaMovement.objects.get()
    assert (credit.kind, credit.mu, credit.balance_after, credit.case, credit.parcel.code, credit.moved_on) == (
        "credit", 12.5, 12.5, case, "SZ-0001", DAY)
    assert case.freed_mu == 12.5 and balance(world["SZ"]) == 12.5  # the case's freed_mu (its target by default)
    assert quota.credit_from_case(case=case) is None  # once per case
    assert QuotaMovement.objects.count() == 1
    assert credit.history.count() == 1 and QuotaAccount.objects.get(zone=world["SZ"]).history.exists()


def test_closing_an_ordinary_case_releases_no_quota(world):
    close_restoration(workflow="case")
    assert not QuotaMovement.objects.exists()


def test_debit_links_the_parcel_and_the_balance_never_goes_negative(world):
    close_restoration()
    nr = user("natural_resources")
    parcel = Parcel.objects.get(code="SZ-0003")  # 6666.67 m² = 10.000005 亩
    movement = quota.debit(scope=scope("natural_resources"), actor=nr, zone=world["SZ"], parcel=parcel, mu=10,
                           moved_on=DAY)
    assert (movement.kind, movement.mu, movement.balance_after, movement.parcel) == ("debit", 10.0, 2.5, parcel)
    assert balance(world["SZ"]) == 2.5
    other = Parcel.objects.get(code="SZ-0001")
    with pytest.raises(InputError) as caught:
        quota.debit(scope=scope("natural_resources"), actor=nr, zone=world["SZ"], parcel=other, mu=2.51, moved_on=DAY)
    assert str(caught.value) == "园区 嵊州经济开发区 的用地指标余额为 2.5 亩，不足 2.51 亩，余额不能为负"
    assert balance(world["SZ"]) == 2.5 and QuotaMovement.objects.count() == 2
    quota.debit(scope=scope("natural_resources"), actor=nr, zone=world["SZ"], parcel=other, mu=2.5, moved_on=DAY)
    assert balance(world["SZ"]) == 0.0  # exactly the balance is allowed


def test_the_database_refuses_a_negative_balance(world):
    account = quota.account_for(zone=world["SZ"])
    with pytest.raises(IntegrityError), transaction.atomic():
        QuotaAccount.objects.filter(pk=account.pk).update(balance_mu=-0.01)


@pytest.mark.parametrize("mu,message", [(0, "指标亩数应大于 0，实为“0”"), (-1, "指标亩数应大于 0，实为“-1”"),
                                        ("abc", "指标亩数应为数字，实为“abc”"), (float("nan"), "指标亩数应大于 0")])
def test_debit_refuses_bad_amounts(world, mu, message):
    close_restoration()
    with pytest.raises(InputError, match=message):
        quota.debit(scope=scope("natural_resources"), actor=None, zone=world["SZ"],
                    parcel=Parcel.objects.get(code="SZ-0003"), mu=mu, moved_on=DAY)


def test_debit_refuses_other_zones_parcels_more_than_the_parcel_twice_and_wrong_roles(world):
    close_restoration(free_mu=30)
    nr = scope("natural_resources")
    with pytest.raises(InputError, match="地块 SZ-0002 不属于园区 嵊州经济开发区"):
        quota.debit(scope=nr, actor=None, zone=world["SZ"], parcel=Parcel.objects.get(code="SZ-0002"), mu=1,
                    moved_on=DAY)
    parcel = Parcel.objects.get(code="SZ-0003")
    with pytest.raises(InputError, match="使用指标 10.1 亩超过地块 SZ-0003 的面积 10 亩"):
        quota.debit(scope=nr, actor=None, zone=world["SZ"], parcel=parcel, mu=10.1, moved_on=DAY)
    quota.debit(scope=nr, actor=None, zone=world["SZ"], parcel=parcel, mu=3, moved_on=DAY)
    with pytest.raises(InputError, match="地块 SZ-0003 已于 2025-06-30 使用指标 3 亩，不能重复登记"):
        quota.debit(scope=nr, actor=None, zone=world["SZ"], parcel=parcel, mu=3, moved_on=DAY)
    with pytest.raises(PermissionDenied, match="角色“经信”不能登记新增供地使用指标"):  # writes supply, not quota
        quota.debit(scope=scope("economy"), actor=None, zone=world["SZ"], parcel=parcel, mu=1, moved_on=DAY)
    with pytest.raises(PermissionDenied, match="无权修改"):
        quota.debit(scope=scope("fire"), actor=None, zone=world["SZ"], parcel=parcel, mu=1, moved_on=DAY)
    with pytest.raises(PermissionDenied, match="不在您的数据范围内"):  # a park-scoped user, another park
        quota.debit(scope=scope("natural_resources-xw1"), actor=None, zone=world["SZ"], parcel=parcel, mu=1,
                    moved_on=DAY)


def test_transfer_moves_nothing_until_approved_and_a_refusal_writes_nothing(world):
    close_restoration(free_mu=20)
    requester = user("natural_resources-xw1")  # the park SZ-XW1 asks the development zone for quota
    transfer = quota.request_transfer(scope=scope_for(requester), actor=requester, from_zone=world["SZ"],
                                      to_zone=world["XW1"], mu=8, reason="新项目落地", requested_on=DAY)
    assert transfer.state == "pending" and QuotaMovement.objects.count() == 1  # only the credit
    assert balance(world["SZ"]) == 20 and balance(world["XW1"]) == 0
    with pytest.raises(PermissionDenied, match="角色“自然资源和规划”不能审批指标调剂"):
        quota.decide_transfer(scope=scope_for(requester), actor=requester, transfer=transfer, approve=True,
                              decided_on=DAY)
    committee = user("committee")
    done = quota.decide_transfer(scope=scope_for(committee), actor=committee, transfer=transfer, approve=True,
                                 decided_on=DAY)
    out, into = done.movement_out, done.movement_in
    assert (out.kind, out.mu, out.balance_after, out.account.zone.code) == ("transfer_out", 8, 12, "SZ")
    assert (into.kind, into.mu, into.balance_after, into.account.zone.code) == ("transfer_in", 8, 8, "SZ-XW1")
    assert out.counterpart == into and into.counterpart == out and done.state == "approved"
    assert out.approved_by == committee and out.requested_by == requester
    with pytest.raises(InputError, match="该调剂申请已于 2025-06-30 已批准，不能再审批"):
        quota.decide_transfer(scope=scope_for(committee), actor=committee, transfer=transfer, approve=False,
                              note="重复", decided_on=DAY)
    second = quota.request_transfer(scope=scope_for(requester), actor=requester, from_zone=world["SZ"],
                                    to_zone=world["XW1"], mu=5, reason="再申请", requested_on=DAY)
    with pytest.raises(InputError, match="不批准指标调剂须写明理由"):
        quota.decide_transfer(scope=scope_for(committee), actor=committee, transfer=second, approve=False,
                              decided_on=DAY)
    refused = quota.decide_transfer(scope=scope_for(committee), actor=committee, transfer=second, approve=False,
                                    note="指标优先保障重大项目", decided_on=DAY)
    assert refused.state == "refused" and refused.movement_out is None and QuotaMovement.objects.count() == 3
    assert balance(world["SZ"]) == 12 and balance(world["XW1"]) == 8


def test_transfer_requests_are_checked(world):
    close_restoration(free_mu=5)
    nr = scope("natural_resources")
    with pytest.raises(InputError, match="调出园区与调入园区相同"):
        quota.request_transfer(scope=nr, actor=None, from_zone=world["SZ"], to_zone=world["SZ"], mu=1, reason="x",
                               requested_on=DAY)
    with pytest.raises(InputError, match="须写明理由"):
        quota.request_transfer(scope=nr, actor=None, from_zone=world["SZ"], to_zone=world["XW1"], mu=1, reason=" ",
                               requested_on=DAY)
    with pytest.raises(InputError, match="余额为 5 亩，不足 6 亩"):
        quota.request_transfer(scope=nr, actor=None, from_zone=world["SZ"], to_zone=world["XW1"], mu=6, reason="x",
                               requested_on=DAY)
    with pytest.raises(PermissionDenied, match="不在您的数据范围内"):  # a park may ask only for itself
        quota.request_transfer(scope=scope("natural_resources-xw1"), actor=None, from_zone=world["XW1"],
                               to_zone=world["SZ"], mu=1, reason="x", requested_on=DAY)
    # approval re-checks the balance under lock: the source spent its quota after the request
    transfer = quota.request_transfer(scope=nr, actor=None, from_zone=world["SZ"], to_zone=world["XW1"], mu=4,
                                      reason="x", requested_on=DAY)
    quota.debit(scope=nr, actor=None, zone=world["SZ"], parcel=Parcel.objects.get(code="SZ-0003"), mu=3, moved_on=DAY)
    with pytest.raises(InputError, match="余额为 2 亩，不足 4 亩"):
        with transaction.atomic():
            quota.decide_transfer(scope=scope("committee"), actor=None, transfer=transfer, approve=True,
                                  decided_on=DAY)
    assert QuotaTransfer.objects.get(pk=transfer.pk).state == "pending" and balance(world["SZ"]) == 2


def test_pages_show_only_the_users_parks(client, world):
    close_restoration(free_mu=20)
    quota.request_transfer(scope=scope("natural_resources"), actor=None, from_zone=world["SZ"], to_zone=world["XW1"],
                           mu=3, reason="新项目", requested_on=DAY)
    Parcel.objects.filter(code="SZ-0002").update(supply_status="approved_not_supplied")
    client.force_login(user("economy-xw1"))
    page = client.get(reverse("supply:quota")).content.decode()
    assert 'data-zone="SZ-XW1"' in page and 'data-zone="SZ"' not in page
    assert page.count('data-transfer="') == 1  # the pending request names its park
    assert client.get(reverse("supply:quota_account", args=["SZ"])).status_code == 404
    account = client.get(reverse("supply:quota_account", args=["SZ-XW1"])).content.decode()
    assert 'data-parcel="SZ-0002"' in account and 'id="debit-new"' not in account  # 经信 may not debit
    client.force_login(user("committee"))
    page = client.get(reverse("supply:quota")).content.decode()
    assert 'data-zone="SZ"' in page and reverse("supply:quota_decide", args=[QuotaTransfer.objects.get().pk]) in page
    assert client.get(reverse("supply:quota")).status_code == 200
    client.force_login(user("fire"))
    assert client.get(reverse("supply:quota")).status_code == 403


def test_debit_and_transfer_forms(client, world):
    close_restoration(free_mu=20)
    client.force_login(user("natural_resources"))
    url = reverse("supply:quota_debit", args=["SZ"])
    refused = client.post(url, {"parcel_code": "SZ-0003", "mu": "25", "moved_on": "2025-06-30"})
    assert refused.status_code == 200 and "超过地块 SZ-0003 的面积" in refused.content.decode()
    response = client.post(url, {"parcel_code": "SZ-0003", "mu": "4", "moved_on": "2025-06-30"})
    assert response.status_code == 302 and balance(world["SZ"]) == 16
    response = client.post(reverse("supply:quota_transfer"), {"to_zone": "SZ-XW1", "from_zone": "SZ", "mu": "2",
                                                               "reason": "新项目"})
    assert response.status_code == 302 and QuotaTransfer.objects.get().state == "pending"
    client.force_login(user("committee"))
    decide = reverse("supply:quota_decide", args=[QuotaTransfer.objects.get().pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    assert balance(world["SZ"]) == 14 and balance(world["XW1"]) == 2
    client.force_login(user("economy"))
    assert client.get(url).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_debits_at_once_never_overdraw(world):
    """Two transactions debit 10 亩 each from a balance of 12.5 at the same moment; the row lock (PostgreSQL: SELECT
    … FOR UPDATE; SQLite: the IMMEDIATE transaction's write lock) makes the second wait for the first, re-read 2.5
    and refuse: one debit, balance 2.5, never below 0. On SQLite only with a file test database (make test-sqlite:
    PARKGOV_TEST_SQLITE), where the two threads have their own connections."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("SQLite 内存测试库：两个线程共用一个库，无法模拟两个连接（make test-sqlite 使用文件库）")
    close_restoration()
    Parcel.objects.filter(code="SZ-0001").update(registered_area_m2=20000)
    results, started = {}, threading.Barrier(2)

    def spend(code):
        try:
            started.wait(10)
            with transaction.atomic():
                quota.debit(scope=scope("natural_resources"), actor=None, zone=Zone.objects.get(code="SZ"),
                            parcel=Parcel.objects.get(code=code), mu=10, moved_on=DAY)
                time.sleep(0.5)  # hold the lock while the other one tries
            results[code] = "ok"
        except InputError as exc:
            results[code] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(code,)) for code in ("SZ-0001", "SZ-0003")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values())[0] == "ok" and "不足 10 亩" in sorted(results.values())[1], results
    assert balance(Zone.objects.get(code="SZ")) == 2.5
    assert QuotaMovement.objects.filter(kind="debit").count() == 1


def test_api_writes_and_refusals_keep_the_error_shape(client, world):
    from parkgov.accounts.services import issue_api_token

    close_restoration(free_mu=10)
    headers = {"Authorization": f"Bearer {issue_api_token(user=user('natural_resources'))}"}
    debit = client.post("/api/supply/quota/debits", {"zone": "SZ", "parcel_code": "SZ-0003", "mu": 4,
                                                     "moved_on": "2025-06-30"}, content_type="application/json",
                        headers=headers)
    assert debit.status_code == 200 and debit.json()["balance_after"] == 6
    short = client.post("/api/supply/quota/debits", {"zone": "SZ", "parcel_code": "SZ-0001", "mu": 7,
                                                     "moved_on": "2025-06-30"}, content_type="application/json",
                        headers=headers)
    assert short.status_code == 422 and "不足 7 亩" in short.json()["error"]["message"]
    missing = client.post("/api/supply/quota/debits", {"zone": "SZ", "parcel_code": "SZ-9", "mu": 1,
                                                       "moved_on": "2025-06-30"}, content_type="application/json",
                          headers=headers)
    assert missing.status_code == 422 and "没有地块编码为“SZ-9”" in missing.json()["error"]["message"]
    asked = client.post("/api/supply/quota/transfers", {"from_zone": "SZ", "to_zone": "SZ-XW1", "mu": 2,
                                                        "reason": "新项目"}, content_type="application/json",
                        headers=headers)
    assert asked.status_code == 200 and asked.json()["state"] == "pending"
    refused = client.post(f"/api/supply/quota/transfers/{asked.json()['id']}/decide", {"approve": True},
                          content_type="application/json", headers=headers)
    assert refused.status_code == 403  # 自然资源 may request, only the 管委会 decides
    committee = {"Authorization": f"Bearer {issue_api_token(user=user('committee'))}"}
    done = client.post(f"/api/supply/quota/transfers/{asked.json()['id']}/decide", {"approve": True},
                       content_type="application/json", headers=committee)
    assert done.status_code == 200 and done.json()["state"] == "approved"
    assert balance(world["SZ"]) == 4 and balance(world["XW1"]) == 2
    moves = client.get("/api/supply/quota/movements", {"zone": "SZ"}, headers=headers).json()["items"]
    assert [(m["kind"], m["mu"], m["balance_after"]) for m in moves] == [
        ("transfer_out", 2, 4), ("debit", 4, 6), ("credit", 10, 10)]
    assert moves[2]["case_number"] and moves[1]["parcel_code"] == "SZ-0003"


def test_cli_prints_the_account(world, capsys):
    from typer.testing import CliRunner

    from parkgov.cli import app

    close_restoration(free_mu=10)
    result = CliRunner().invoke(app, ["supply", "quota", "--zone", "SZ"])
    assert result.exit_code == 0, result.output
    assert "SZ 嵊州经济开发区 用地指标余额：10.0000 亩" in result.output and "复垦复绿释放 +10.0000 亩" in result.output
