"""Idle-land services on the real database: the status of the ledger's parcels, the dossier clock, notices and
government-caused exceptions with their date checks, and the governance list 闲置土地."""

import datetime as dt

import pytest

from parkgov.errors import InputError
from parkgov.governance.lists import chosen_rules, generate_lists
from parkgov.governance.models import ListEntry
from parkgov.ledger.models import Parcel
from parkgov.supply import idle
from parkgov.supply.models import IdleNotice
from parkgov.testing import idle_world

pytestmark = pytest.mark.django_db
END = dt.date(2025, 12, 31)


@pytest.fixture
def world(tmp_path, actor):
    return idle_world(folder=tmp_path, actor=actor)


def test_status_of_the_ledger_parcels(world):
    rows = {r["parcel_code"]: r for r in idle.idle_status(on=END).rows(named=True)}
    assert {code: r["status"] for code, r in rows.items()} == {
        "SZ-0001": "idle", "SZ-0002": "warning", "SZ-0003": "recover"}
    assert rows["SZ-0001"]["fee"] == pytest.approx(240.0)  # 1200 万元 × 20 %
    assert rows["SZ-0002"]["days_to_next"] == 31            # 2026-01-31
    assert rows["SZ-0003"]["fee"] is None and rows["SZ-0003"]["idle_on"] == dt.date(2024, 10, 31)
    scoped = idle.idle_status(on=END, zone_ids=[Parcel.objects.get(code="SZ-0002").zone_id])
    assert scoped["parcel_code"].to_list() == ["SZ-0002"]


def test_clock_of_a_parcel_with_its_notices(world, actor):
    parcel = Parcel.objects.get(code="SZ-0001")
    idle.record_notice(parcel=parcel, actor=actor, kind="investigation", issued_on=dt.date(2025, 12, 5),
                       served_on=dt.date(2025, 12, 8), document_number="嵊自然资调〔2025〕1号")
    clock = idle.idle_clock(parcel=parcel, on=END)
    assert clock["status"] == "idle" and str(clock["label"]) == "闲置"
    assert clock["agreed_start"] == dt.date(2024, 11, 30)
    assert clock["idle_on"] == dt.date(2025, 11, 30) and clock["recover_on"] == dt.date(2026, 11, 30)
    assert clock["days_left"] == 334 and clock["days_overdue"] is None
    assert clock["fee"] == pytest.approx(240.0) and "1200.00 万元 × 20% = 240.00 万元" in clock["formula"]
    assert [n.document_number for n in clock["notices"]] == ["嵊自然资调〔2025〕1号"]
    assert clock["contract"].number == "HT-IDLE-1"
    # the answer is due 30 days after service (data: notices.answer_days.investigation)
    assert clock["notices"][0].answer_due == dt.date(2026, 1, 7)


def test_clock_overdue_and_not_supplied(world):
    clock = idle.idle_clock(parcel=Parcel.objects.get(code="SZ-0003"), on=END)
    assert clock["status"] == "recover" and clock["days_overdue"] == 61 and clock["days_left"] is None
    Parcel.objects.filter(code="SZ-0003").update(supply_status="reserved")
    assert idle.idle_clock(parcel=Parcel.objects.get(code="SZ-0003"), on=END)["status"] is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"served_on": dt.date(2025, 12, 4)}, "闲置土地调查通知书的送达日期 2025-12-04 早于发出日期 2025-12-05"),
    ({"served_on": dt.date(2025, 12, 6), "answer_due": dt.date(2025, 12, 5)},
     "闲置土地调查通知书的答复期限 2025-12-05 早于送达日期 2025-12-06"),
    ({"answered_on": dt.date(2025, 12, 20)}, "闲置土地调查通知书尚未送达，不能登记答复日期"),
    ({"served_on": dt.date(2025, 12, 6), "answered_on": dt.date(2025, 12, 5)},
     "闲置土地调查通知书的答复日期 2025-12-05 早于送达日期 2025-12-06"),
    ({"answer_due": dt.date(2026, 1, 5)}, "闲置土地调查通知书填写了答复期限，请同时填写送达日期"),
    ({"kind": "letter"}, "文书类型 letter 无效"),
])
def test_notice_dates_refused_in_chinese(world, actor, fields, message):
    parcel = Parcel.objects.get(code="SZ-0001")
    arguments = {"kind": "investigation", "issued_on": dt.date(2025, 12, 5)} | fields
    with pytest.raises(InputError, match=message):
        idle.record_notice(parcel=parcel, actor=actor, **arguments)
    assert not IdleNotice.objects.exists()


def test_notices_follow_the_procedure(world, actor):
    parcel = Parcel.objects.get(code="SZ-0003")
    with pytest.raises(InputError, match="地块 SZ-0003 在 2025-12-01 之前没有闲置土地调查通知书，不能登记闲置土地认定书"):
        idle.record_notice(parcel=parcel, actor=actor, kind="determination", issued_on=dt.date(2025, 12, 1))
    idle.record_notice(parcel=parcel, actor=actor, kind="investigation", issued_on=dt.date(2025, 11, 1),
                       served_on=dt.date(2025, 11, 3), answered_on=dt.date(2025, 11, 28))
    with pytest.raises(InputError, match="之前没有闲置土地调查通知书"):  # issued after the determination
        idle.record_notice(parcel=parcel, actor=actor, kind="determination", issued_on=dt.date(2025, 10, 31))
    determination = idle.record_notice(parcel=parcel, actor=actor, kind="determination",
                                       issued_on=dt.date(2025, 12, 1))
    assert determination.answer_due is None  # no answer period for a determination
    with pytest.raises(InputError, match="没有听证告知书，不能登记收回国有建设用地使用权决定书"):
        idle.record_notice(parcel=parcel, actor=actor, kind="recovery", issued_on=dt.date(2025, 12, 20))
    hearing = idle.record_notice(parcel=parcel, actor=actor, kind="hearing", issued_on=dt.date(2025, 12, 10),
                                 served_on=dt.date(2025, 12, 11))
    assert hearing.answer_due == dt.date(2025, 12, 16)
    idle.record_notice(parcel=parcel, actor=actor, kind="recovery", issued_on=dt.date(2025, 12, 20))
    edited = idle.edit_notice(notice=hearing, actor=actor, document_number="嵊自然资听〔2025〕3号")
    assert edited.history.count() == 2 and edited.document_number == "嵊自然资听〔2025〕3号"
    with pytest.raises(InputError, match="送达日期 2025-12-09 早于发出日期 2025-12-10"):
        idle.edit_notice(notice=hearing, actor=actor, served_on=dt.date(2025, 12, 9))


def test_government_exception_changes_the_disposition_not_the_clock(world, actor):
    parcel = Parcel.objects.get(code="SZ-0001")
    idle.record_exception(parcel=parcel, actor=actor, cause="not_delivered", reason="园区未按期完成场地平整交地",
                          starts_on=dt.date(2024, 11, 30), extended_start=dt.date(2025, 6, 30))
    clock = idle.idle_clock(parcel=parcel, on=END)
    assert clock["status"] == "government" and clock["government_caused"] is True and clock["fee"] is None
    assert clock["idle_on"] == dt.date(2025, 11, 30)          # the clock's fact stays
    assert clock["extended_idle_on"] == dt.date(2026, 6, 30)
    assert clock["exceptions"][0].article == "第八条、第十二条第（一）项"   # the rules' article by default
    assert "政府原因：未按约定交付土地——园区未按期完成场地平整交地（第八条、第十二条第（一）项）" in clock["reasons"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"extended_start": dt.date(2025, 12, 1)}, "延长后的动工期限 2025-12-01 超过上限 2025-11-30（约定动工日期 2024-11-30 后最长 1 年"),
    ({"extended_start": dt.date(2024, 11, 30)}, "延长后的动工期限 2024-11-30 应晚于约定动工日期 2024-11-30"),
    ({"reason": "  "}, "请填写政府原因的说明"),
    ({"ends_on": dt.date(2024, 1, 1)}, "终止日期 2024-01-01 早于起始日期 2024-11-30"),
    ({"cause": "weather"}, "政府原因类型 weather 无效"),
])
def test_exception_refused_in_chinese(world, actor, fields, message):
    arguments = {"cause": "plan_changed", "reason": "规划调整", "starts_on": dt.date(2024, 11, 30)} | fields
    with pytest.raises(InputError, match=message):
        idle.record_exception(parcel=Parcel.objects.get(code="SZ-0001"), actor=actor, **arguments)


def test_the_years_lists_include_idle_land(world, actor):
    assert "idle-land" in [rule.id for rule in chosen_rules()]
    runs = generate_lists(year=2025, actor=actor, rule_ids=["idle-land", "supplied-not-used"])
    run = next(r for r in runs if r.rule_id == "idle-land")
    assert run.rule_name == "闲置土地" and run.owner_department == "natural_resources" and run.subject == "parcel"
    entries = {e.subject_key: e for e in ListEntry.objects.filter(run=run)}
    assert {k: e.category for k, e in entries.items()} == {
        "SZ-0001": "闲置", "SZ-0002": "即将闲置", "SZ-0003": "满两年未动工（应收回）"}
    first = entries["SZ-0001"]
    assert first.reasons[0] == "土地闲置费 = 土地价款 1200.00 万元 × 20% = 240.00 万元（第十四条第（一）项）"
    assert first.values == {"idle_on": "2025-11-30", "recover_on": "2026-11-30", "days_to_next": 334, "fee": 240.0}
    assert run.summary["categories"] == {"即将闲置": 1, "满两年未动工（应收回）": 1, "闲置": 1}
    assert run.summary["verified"] is False and "53号" in run.summary["source"]
    again = generate_lists(year=2025, actor=actor, rule_ids=["idle-land"])[0]
    assert again.input_hash == run.input_hash and again.rule_hash == run.rule_hash
    park = generate_lists(year=2025, actor=actor, rule_ids=["idle-land"], zone_code="SZ-XW1")[0]
    assert list(park.entries.values_list("subject_key", flat=True)) == ["SZ-0002"]
