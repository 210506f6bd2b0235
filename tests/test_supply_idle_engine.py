"""The idle-land engine on crafted frames: each mark the day before, the day and the day after; 29 February; the
fee computed by hand; the stalled case; government-caused exceptions; parcels without a contract."""

from datetime import date, timedelta

import polars as pl
import pytest

from parkgov.supply.idle_engine import OUTPUT_SCHEMA, evaluate
from parkgov.supply.idle_rules import IdleRulesError, RULES_PATH, idle_rules, load_idle_rules

D = timedelta(days=1)


def parcels(*rows):
    base = {"id": 1, "zone_id": 7, "supply_status": "supplied_not_used", "land_price": 1234.5,
            "registered_area_m2": 20000.0}
    return pl.DataFrame([{**base, **row} for row in rows] or [base])


def contracts(*rows):
    base = {"id": 10, "parcel_id": 1, "number": "HT-1", "signed_on": date(2022, 1, 1), "agreed_start": None,
            "actual_start": None, "total_investment": None, "invested": None, "developed_area_m2": None,
            "stopped_on": None}
    return pl.DataFrame([{**base, **row} for row in rows], schema_overrides={
        "agreed_start": pl.Date, "actual_start": pl.Date, "stopped_on": pl.Date, "total_investment": pl.Float64,
        "invested": pl.Float64, "developed_area_m2": pl.Float64})


def exceptions(*rows):
    base = {"id": 1, "parcel_id": 1, "contract_id": None, "cause": "plan_changed", "reason": "规划调整待批",
            "article": "第八条", "starts_on": date(2023, 1, 1), "ends_on": None, "extended_start": None}
    schema = {"id": pl.Int64, "parcel_id": pl.Int64, "contract_id": pl.Int64, "cause": pl.String,
              "reason": pl.String, "article": pl.String, "starts_on": pl.Date, "ends_on": pl.Date,
              "extended_start": pl.Date}
    return pl.DataFrame([{**base, **row} for row in rows], schema=schema)


NO_EXCEPTIONS = exceptions().clear()


def one(on, *, parcel=None, contract=None, exception=None, rules=None):
    frame = evaluate(parcels=parcels(parcel or {}), contracts=contracts(contract or {}),
                     exceptions=exceptions(exception) if exception else NO_EXCEPTIONS, rules=rules or idle_rules(),
                     on=on)
    assert frame.height == 1
    return frame.row(0, named=True)


def test_the_shipped_rules_carry_their_articles_unverified():
    rules = idle_rules()
    assert rules.idle.years == 1 and rules.recover.years == 2 and rules.fee.share_pct == 20
    assert rules.stalled.developed_share_below == pytest.approx(1 / 3) and rules.stalled.invested_share_below == 0.25
    assert rules.warning.days == 90 and rules.government.extension_cap_years == 1
    assert rules.notices.answer_days["investigation"].days == 30
    for part in (rules.idle, rules.recover, rules.fee, rules.stalled, rules.warning, rules.government,
                 rules.day_rule):
        assert part.article and part.verified is False
    assert rules.verified is False and rules.day_rule.anniversary == "on_or_after"


def test_output_schema_on_empty_input():
    frame = evaluate(parcels=parcels().clear(), contracts=contracts({}).clear(), exceptions=NO_EXCEPTIONS,
                     rules=idle_rules(), on=date(2025, 1, 1))
    assert frame.height == 0 and dict(frame.schema) == OUTPUT_SCHEMA


@pytest.mark.parametrize(("on", "status", "days"), [
    (date(2024, 3, 2), "normal", 91),        # 90 days before the mark is the first warning day
    (date(2024, 3, 3), "warning", 90),
    (date(2024, 5, 31), "warning", 1),       # the day before one full year
    (date(2024, 6, 1), "idle", 365),         # the anniversary itself: on_or_after
    (date(2024, 6, 2), "idle", 364),
    (date(2025, 5, 31), "idle", 1),          # the day before two full years
    (date(2025, 6, 1), "recover", 0),
    (date(2025, 6, 2), "recover", -1),       # overdue by a day
])
def test_marks_of_a_parcel_not_started(on, status, days):
    row = one(on, contract={"agreed_start": date(2023, 6, 1)})
    assert row["status"] == status
    assert row["days_to_next"] == days
    assert row["idle_on"] == date(2024, 6, 1) and row["recover_on"] == date(2025, 6, 1)
    if status in ("idle", "recover"):
        # hand-computed: 1234.5 万元 × 20 % = 246.9 万元
        assert row["fee"] == pytest.approx(246.9)
        assert row["formula"] == "土地闲置费 = 土地价款 1234.50 万元 × 20% = 246.90 万元（第十四条第（一）项）"
    else:
        assert row["fee"] is None and row["formula"] == ""
    assert row["contract_id"] == 10 and row["zone_id"] == 7 and row["government_caused"] is False


@pytest.mark.parametrize(("leap_day", "on", "status"), [
    ("month_end", date(2025, 2, 27), "warning"),
    ("month_end", date(2025, 2, 28), "idle"),
    ("month_end", date(2025, 3, 1), "idle"),
    ("next_day", date(2025, 2, 28), "warning"),
    ("next_day", date(2025, 3, 1), "idle"),
    ("next_day", date(2025, 3, 2), "idle"),
])
def test_29_february(leap_day, on, status):
    rules = idle_rules().model_copy(update={"day_rule": idle_rules().day_rule.model_copy(
        update={"leap_day": leap_day})})
    row = one(on, contract={"agreed_start": date(2024, 2, 29)}, rules=rules)
    assert row["status"] == status
    assert row["idle_on"] == (date(2025, 2, 28) if leap_day == "month_end" else date(2025, 3, 1))
    # two years on from a leap day: 2026 has no 29 February either
    assert row["recover_on"] == (date(2026, 2, 28) if leap_day == "month_end" else date(2026, 3, 1))


def test_leap_day_four_years_on_is_29_february():
    rules = idle_rules().model_copy(update={"idle": idle_rules().idle.model_copy(update={"years": 4}),
                                            "recover": idle_rules().recover.model_copy(update={"years": 5})})
    row = one(date(2028, 2, 29), contract={"agreed_start": date(2024, 2, 29)}, rules=rules)
    assert row["idle_on"] == date(2028, 2, 29) and row["status"] == "idle"


def test_agreed_start_in_the_future_is_normal():
    row = one(date(2025, 1, 1), contract={"agreed_start": date(2025, 12, 1)})
    assert row["status"] == "normal" and row["days_to_next"] == (date(2026, 12, 1) - date(2025, 1, 1)).days


def test_started_on_or_before_the_day_counts_as_started():
    contract = {"agreed_start": date(2023, 6, 1), "actual_start": date(2024, 7, 1)}
    assert one(date(2024, 6, 30), contract=contract)["status"] == "idle"   # not yet started on that day
    row = one(date(2024, 7, 1), contract=contract)
    assert row["status"] == "started" and row["fee"] is None and row["days_to_next"] is None
    assert "已于 2024-07-01 动工开发" in row["reasons"]
    assert "动工晚于约定动工日期满一年之日 2024-06-01" in row["reasons"]


STALLED = {"agreed_start": date(2022, 3, 1), "actual_start": date(2022, 4, 1), "total_investment": 10000.0,
           "invested": 3000.0, "developed_area_m2": 6000.0, "stopped_on": date(2024, 5, 10)}


@pytest.mark.parametrize(("on", "status"), [
    (date(2025, 2, 8), "started"), (date(2025, 2, 9), "warning"),
    (date(2025, 5, 9), "warning"), (date(2025, 5, 10), "idle"), (date(2025, 5, 11), "idle"),
    (date(2030, 1, 1), "idle"),  # the stalled case is never recovered by the two-year rule (recover: false)
])
def test_started_but_stalled_below_a_third_developed(on, status):
    # 6000 / 20000 = 30 % < 1/3 developed; 3000 / 10000 = 30 % ≥ 25 % invested: the area alone makes it idle
    row = one(on, contract=STALLED)
    assert row["status"] == status
    assert row["idle_on"] == date(2025, 5, 10) and row["recover_on"] is None
    assert row["fee"] == (pytest.approx(246.9) if status == "idle" else None)
    assert any("已开发面积占 30%、已投资占 30%" in r for r in row["reasons"])


def test_stalled_by_investment_below_a_quarter_and_not_by_area():
    contract = {**STALLED, "developed_area_m2": 10000.0, "invested": 2499.0}
    assert one(date(2025, 5, 10), contract=contract)["status"] == "idle"
    contract = {**STALLED, "developed_area_m2": 10000.0, "invested": 2500.0}   # exactly 25 %: not below
    assert one(date(2025, 5, 10), contract=contract)["status"] == "started"


def test_stopped_with_a_third_developed_and_a_quarter_invested_is_started():
    contract = {**STALLED, "developed_area_m2": 20000 / 3, "invested": 2500.0}
    row = one(date(2026, 1, 1), contract=contract)
    assert row["status"] == "started" and row["idle_on"] is None


def test_stopped_without_the_development_facts_says_so():
    contract = {**STALLED, "developed_area_m2": None, "invested": None}
    row = one(date(2026, 1, 1), contract=contract)
    assert row["status"] == "started"
    assert "已中止开发，但缺少已开发面积和投资数据，无法判断是否闲置" in row["reasons"]


def test_without_a_contract_or_agreed_start_unknown_with_a_reason():
    frame = evaluate(parcels=parcels({"id": 1}, {"id": 2}, {"id": 3, "supply_status": "approved_not_supplied"},
                                     {"id": 4, "supply_status": "reserved"}),
                     contracts=contracts({"id": 20, "parcel_id": 2}), exceptions=NO_EXCEPTIONS,
                     rules=idle_rules(), on=date(2025, 1, 1))
    assert frame["parcel_id"].to_list() == [1, 2]   # parcels not supplied are not in the output
    first, second = frame.rows(named=True)
    assert first["status"] == "unknown" and first["contract_id"] is None
    assert first["reasons"] == ["地块已供应，但没有登记土地合同，无法计算闲置期限"]
    assert second["status"] == "unknown" and second["reasons"] == ["合同HT-1未填写约定动工日期，无法计算闲置期限"]


def test_started_without_an_agreed_start_is_started_not_unknown():
    row = one(date(2025, 1, 1), contract={"actual_start": date(2024, 3, 1)})
    assert row["status"] == "started" and row["reasons"] == ["已于 2024-03-01 动工开发"]
    stalled = one(date(2025, 6, 1), contract={**STALLED, "agreed_start": None})
    assert stalled["status"] == "idle" and stalled["idle_on"] == date(2025, 5, 10)


def test_latest_contract_of_a_parcel_counts():
    frame = evaluate(parcels=parcels({}), contracts=contracts(
        {"id": 11, "signed_on": date(2020, 1, 1), "agreed_start": date(2020, 6, 1)},
        {"id": 12, "signed_on": date(2024, 1, 1), "agreed_start": date(2024, 6, 1)}),
        exceptions=NO_EXCEPTIONS, rules=idle_rules(), on=date(2025, 1, 1))
    row = frame.row(0, named=True)
    assert row["contract_id"] == 12 and row["status"] == "normal"


def test_missing_land_price_no_fee_with_reason():
    row = one(date(2025, 1, 1), parcel={"land_price": None}, contract={"agreed_start": date(2023, 6, 1)})
    assert row["status"] == "idle" and row["fee"] is None and "缺少土地价款，无法计算土地闲置费" in row["reasons"]


GOV = {"agreed_start": date(2023, 6, 1)}


@pytest.mark.parametrize(("on", "status"), [
    (date(2024, 6, 1), "government"),        # the holder's mark passed: the disposition differs
    (date(2025, 5, 31), "government"),       # extended start 2024-06-01 (cap) → one full year on 2025-06-01
    (date(2025, 6, 1), "idle"),
    (date(2026, 5, 31), "idle"),
    (date(2026, 6, 1), "recover"),
])
def test_government_exception_extends_the_start_at_most_one_year(on, status):
    row = one(on, contract=GOV, exception={"extended_start": date(2025, 1, 1)})
    assert row["status"] == status and row["government_caused"] is True
    # the clock's facts stay: the marks of the agreed start
    assert row["idle_on"] == date(2024, 6, 1) and row["recover_on"] == date(2025, 6, 1)
    assert row["effective_start"] == date(2024, 6, 1) and row["extended_idle_on"] == date(2025, 6, 1)
    assert any(r.startswith("登记的延长动工期限 2025-01-01 超过上限") for r in row["reasons"])
    assert "政府原因：规划调整——规划调整待批（第八条）" in row["reasons"]
    assert row["fee"] == (None if status == "government" else pytest.approx(246.9))


def test_government_exception_within_the_cap_and_not_yet_counting():
    exception = {"extended_start": date(2024, 1, 1), "starts_on": date(2024, 6, 1)}
    assert one(date(2024, 5, 31), contract=GOV, exception=exception)["status"] == "warning"
    row = one(date(2024, 6, 1), contract=GOV, exception=exception)
    assert row["status"] == "government" and row["extended_idle_on"] == date(2025, 1, 1)
    assert row["days_to_next"] == (date(2025, 1, 1) - date(2024, 6, 1)).days
    assert not any("超过上限" in r for r in row["reasons"])


def test_exception_of_another_contract_does_not_count():
    row = one(date(2024, 7, 1), contract=GOV, exception={"contract_id": 99, "extended_start": date(2024, 1, 1)})
    assert row["status"] == "idle" and row["government_caused"] is False


def test_government_cause_of_a_stalled_parcel():
    row = one(date(2025, 6, 1), contract=STALLED, exception={"starts_on": date(2024, 5, 10)})
    assert row["status"] == "government" and row["fee"] is None
    assert "中止开发系政府原因，不征缴土地闲置费" in row["reasons"]


def test_bad_rules_file_names_the_path(tmp_path):
    text = RULES_PATH.read_text(encoding="utf-8").replace("share_pct: 20", "share_pct: 120").replace(
        'developed_share_below: "1/3"', 'developed_share_below: "3/2"')
    bad = tmp_path / "idle_rules.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(IdleRulesError) as error:
        load_idle_rules(bad)
    message = str(error.value)
    assert "闲置土地规则 idle_rules.yaml 有 2 处错误" in message
    assert "fee.share_pct" in message and "stalled.developed_share_below" in message
    bad.write_text(RULES_PATH.read_text(encoding="utf-8").replace("years: 2\n", "years: 1\n", 1), encoding="utf-8")
    with pytest.raises(IdleRulesError, match="recover.years: 无偿收回的年限应大于认定闲置的年限"):
        load_idle_rules(bad)
