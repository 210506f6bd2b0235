"""Every shipped list rule on crafted frames (no database): a subject just below, at and above each threshold,
the category it lands in, and the reasons and values it keeps."""

import datetime as dt
import json

import pytest
import shapely
from pyproj import Transformer

from parkgov.errors import InputError
from parkgov.governance.engine import OUTPUT_SCHEMA, generate
from parkgov.governance.frames import make_inputs
from parkgov.governance.listrules import builtin_rules

YEAR = 2025
GK = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E: the metric CRS proximity picks near 120.8°E
X0, Y0 = 580_000.0, 3_275_000.0  # about 120.82°E 29.6°N in that projection


def listed(rule_id, **frames) -> dict:
    """subject_key → entry row of the list `rule_id` over the frames given."""
    frames.setdefault("evaluation_run_id", 1)
    result = generate(make_inputs(year=YEAR, **frames), builtin_rules()[rule_id])
    assert dict(result.schema) == OUTPUT_SCHEMA
    return {row["subject_key"]: row for row in result.iter_rows(named=True)}


def firms(*codes, **columns):
    """Firm rows F1… with zone 1, status active and `columns` for every one."""
    return [{"enterprise_id": i, "credit_code": code, "zone_id": 1, "status": "active", **columns}
            for i, code in enumerate(codes, start=1)]


def to_storage(geometry):
    """A geometry drawn in metres (EPSG:4549) as WKB in EPSG:4490."""
    back = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
    return shapely.to_wkb(shapely.transform(geometry, lambda xy: __import__("numpy").column_stack(
        back.transform(xy[:, 0], xy[:, 1]))))


def square(x, y, side=50.0):
    return to_storage(shapely.box(x, y, x + side, y + side))


# --- 亩均低效企业用地 -------------------------------------------------------------------------------------------

def test_low_efficiency_firms_tiers_at_their_boundaries():
    taxes = {"F1": 4.99, "F2": 5.0, "F3": 9.99, "F4": 10.0, "F5": 14.99, "F6": 15.0}
    rows = listed("low-efficiency-firms", firms=firms(*taxes),
                  evaluation=[{"enterprise_id": i, "klass": "B", "tax_per_mu": t}
                              for i, t in enumerate(taxes.values(), start=1)])
    assert {k: r["category"] for k, r in rows.items()} == {
        "F1": "<5万元/亩", "F2": "<10万元/亩", "F3": "<10万元/亩", "F4": "<15万元/亩", "F5": "<15万元/亩"}
    assert rows["F1"]["reasons"] == ["亩均税收 4.99 万元/亩 < 5 万元/亩"]
    assert rows["F2"]["reasons"] == ["亩均税收 5 万元/亩 < 10 万元/亩"]
    assert json.loads(rows["F3"]["values"]) == {"tax_per_mu": 9.99}


def test_low_efficiency_firms_class_d_and_consecutive_years():
    rows = listed("low-efficiency-firms", firms=firms("F1", "F2", "F3", "F4"),
                  evaluation=[{"enterprise_id": 1, "klass": "D", "tax_per_mu": 20.0},
                              {"enterprise_id": 2, "klass": "D", "tax_per_mu": 3.2},
                              {"enterprise_id": 3, "klass": "D", "tax_per_mu": 30.0},
                              {"enterprise_id": 4, "klass": "C", "tax_per_mu": 30.0}],
                  class_history=[{"enterprise_id": 1, "year": 2024, "klass": "D"},  # D two years in a row
                                 {"enterprise_id": 3, "year": 2023, "klass": "D"},  # 2024 missing: streak 1
                                 {"enterprise_id": 4, "year": 2024, "klass": "D"}])  # D last year, C now
    assert {k: r["category"] for k, r in rows.items()} == {"F1": "连续D类", "F2": "<5万元/亩", "F3": "D类"}
    assert rows["F1"]["reasons"] == ["连续D类年数 2 年 ≥ 2 年", "评价类别为D"]
    assert rows["F2"]["reasons"] == ["亩均税收 3.2 万元/亩 < 5 万元/亩", "评价类别为D"]
    assert json.loads(rows["F1"]["values"]) == {"class_d_years": 2, "klass": "D"}


def test_rules_needing_an_evaluation_refuse_without_one():
    with pytest.raises(InputError, match="需要评价结果"):
        generate(make_inputs(year=YEAR, firms=firms("F1")), builtin_rules()["low-efficiency-firms"])
    needing = {rule_id for rule_id, rule in builtin_rules().items() if rule.needs_evaluation}
    assert needing == {"low-efficiency-firms"}  # a parcel's 亩均税收 comes from the yearly figures


# --- 批而未供 / 供而未用 ------------------------------------------------------------------------------------------

def test_approved_not_supplied():
    rows = listed("approved-not-supplied", parcels=[
        {"parcel_id": 1, "parcel_code": "P1", "supply_status": "approved_not_supplied", "zone_id": 3},
        {"parcel_id": 2, "parcel_code": "P2", "supply_status": "in_use"}])
    assert list(rows) == ["P1"]
    assert rows["P1"]["reasons"] == ["供地状态为批而未供"] and rows["P1"]["zone_id"] == 3


def test_supplied_not_used_counts_anniversaries_day_before_on_and_after():
    supplied = {"P1": dt.date(2023, 12, 30), "P2": dt.date(2023, 12, 31), "P3": dt.date(2024, 1, 1),
                "P4": dt.date(2024, 12, 31), "P5": dt.date(2025, 1, 1)}
    parcels = [{"parcel_id": i, "parcel_code": code, "supply_status": "in_use", "supply_date": day}
               for i, (code, day) in enumerate(supplied.items(), start=1)]
    parcels += [{"parcel_id": 6, "parcel_code": "P6", "supply_status": "supplied_not_used"},
                {"parcel_id": 7, "parcel_code": "P7", "supply_status": "in_use", "supply_date": dt.date(2020, 1, 1),
                 "floor_area_m2": 1.0},
                {"parcel_id": 8, "parcel_code": "P8", "supply_status": "in_use", "supply_date": dt.date(2020, 1, 1),
                 "floor_area_m2": 0.0}]
    rows = listed("supplied-not-used", parcels=parcels)
    assert {k: r["category"] for k, r in rows.items()} == {
        "P1": "满两年未动工", "P2": "满两年未动工", "P3": "满一年未动工", "P4": "满一年未动工", "P6": "未满一年",
        "P8": "满两年未动工"}  # P5: in use, no anniversary yet; P7 has buildings
    assert rows["P2"]["reasons"] == ["供地后满周年数 2 年 ≥ 2 年", "供地状态 已供已用 属于已供已用、闲置", "总建筑面积缺失"]
    assert rows["P3"]["reasons"] == ["供地后满周年数 1 年 ≥ 1 年", "供地状态 已供已用 属于已供已用、闲置", "总建筑面积缺失"]
    assert rows["P8"]["reasons"][-1] == "总建筑面积 0 平方米 ≤ 0 平方米"
    assert rows["P6"]["reasons"] == ["供地后满周年数缺失", "供地状态为供而未用"]
    assert json.loads(rows["P6"]["values"]) == {"supply_status": "supplied_not_used"}


# --- 集体工业用地 ------------------------------------------------------------------------------------------------

def collective(i, code, **columns):
    row = {"parcel_id": i, "parcel_code": code, "ownership": "collective", "land_use_code": "100102",
           "registered_area_m2": 1000.0, "floor_area_m2": 1000.0, "building_year": 2015, "building_quality": "fair",
           "land_procedures": "complete"}
    return {**row, **columns}


def test_collective_industrial_land_each_category_and_its_boundary():
    parcels = [collective(1, "P01", land_procedures="none"), collective(2, "P02", floor_area_m2=990.0),
               collective(3, "P03", floor_area_m2=1000.0), collective(4, "P04", building_year=2005),
               collective(5, "P05", building_year=2006), collective(6, "P06", building_quality="dangerous"),
               collective(7, "P07"), collective(8, "P08"), collective(9, "P09", ownership="state", land_procedures="none"),
               collective(10, "P10", land_use_code="0701", land_procedures="none"), collective(11, "P11")]
    findings = [{"finding_id": 1, "parcel_id": 7, "category": "safety", "severity": "serious", "status": "open",
                 "found_on": dt.date(2025, 3, 1)},
                {"finding_id": 2, "parcel_id": 8, "category": "safety", "severity": "minor", "status": "open",
                 "found_on": dt.date(2025, 3, 1)},
                {"finding_id": 3, "enterprise_id": 1, "category": "fire", "severity": "major", "status": "rectifying",
                 "found_on": dt.date(2025, 3, 1)}]  # on the firm that rents P11
    rows = listed("collective-industrial-land", parcels=parcels, findings=findings, firms=firms("F1"),
                  links=[{"enterprise_id": 1, "parcel_id": 11, "role": "tenant"}])
    assert {k: r["category"] for k, r in rows.items()} == {
        "P01": "无合法用地手续", "P02": "土地利用率低", "P04": "建筑结构老化", "P06": "建筑结构老化",
        "P07": "安全环保隐患", "P11": "安全环保隐患"}
    assert rows["P02"]["reasons"] == ["容积率 0.99 < 1"]  # the scope (集体, 工业用地) is the rule's, not a reason
    assert rows["P04"]["reasons"][0] == "建筑年限 20 年 ≥ 20 年"
    assert rows["P06"]["reasons"][0] == "房屋质量 危房 属于较差或危房（较差、危房）"
    assert rows["P07"]["reasons"][0] == "未销号环保、安全生产、消防问题（较重及以上） 1 条 ≥ 1 条"
    assert rows["P11"]["enterprise_id"] == 1


# --- 低散乱污 -----------------------------------------------------------------------------------------------------

def finding(i, firm, category, severity, found=dt.date(2025, 6, 1), status="open", closed=None):
    return {"finding_id": i, "enterprise_id": firm, "category": category, "severity": severity, "status": status,
            "found_on": found, "closed_on": closed}


def test_low_scattered_polluting_open_serious_findings_and_no_licence():
    people = firms("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8")
    people[7]["status"] = "deregistered"
    findings = [finding(1, 1, "environment", "serious"), finding(2, 1, "fire", "major"),
                finding(3, 2, "environment", "minor"),
                finding(4, 3, "safety", "major", status="closed", closed=dt.date(2025, 12, 31)),
                finding(5, 4, "safety", "major", status="closed", closed=dt.date(2026, 1, 10)),
                finding(6, 5, "illegal_construction", "serious", found=dt.date(2026, 1, 1)),
                finding(7, 6, "unlicensed", "minor"), finding(8, 7, "illegal_construction", "serious"),
                finding(9, 8, "unlicensed", "major")]
    rows = listed("low-scattered-polluting", firms=people, findings=findings)
    assert {k: r["category"] for k, r in rows.items()} == {"F1": "环保", "F4": "安全生产", "F6": "无证无照",
                                                         "F7": "违法建设"}
    assert rows["F1"]["reasons"] == ["未销号环保问题（较重及以上） 1 条 ≥ 1 条", "未销号消防问题（较重及以上） 1 条 ≥ 1 条"]
    assert json.loads(rows["F1"]["values"]) == {"open_findings:environment:serious": 1,
                                                "open_findings:fire:serious": 1}


# --- 低效用地（按类型） -------------------------------------------------------------------------------------------

def test_low_efficiency_land_by_type():
    def parcel(i, code, **columns):
        row = {"parcel_id": i, "parcel_code": code, "land_use_code": "100101", "supply_status": "in_use",
               "registered_area_m2": 20000.0, "floor_area_m2": 24000.0, "footprint_area_m2": 9000.0,
               "geometry": square(X0 + 1000 * i, Y0)}
        return {**row, **columns}

    parcels = [parcel(i, f"P{i:02}") for i in range(1, 8)]
    parcels[3]["floor_area_m2"] = 19800.0  # P04 plot ratio 0.99
    parcels[4]["footprint_area_m2"] = 6980.0  # P05 building coefficient 0.349
    parcels.append(parcel(8, "P08", land_use_code="0701", floor_area_m2=100.0))  # not industrial
    industry = {1: "2614", 2: "2614", 3: "3670", 6: "3670", 7: "3670"}
    people = [{"enterprise_id": i, "credit_code": f"F{i}", "industry_code": code} for i, code in industry.items()]
    taxes = {1: 449.7, 2: 450.0, 3: 299.7, 6: 300.0, 7: 600.0}  # over 30 亩: 14.99, 15, 9.99, 10, 20 万元/亩
    protected = to_storage(shapely.box(X0 + 7000, Y0 - 100, X0 + 7020, Y0 + 100))  # overlaps P07
    rows = listed("low-efficiency-land", parcels=parcels, firms=people,
                  links=[{"enterprise_id": i, "parcel_id": i, "role": "holder", "land_area_m2": 20000.0}
                         for i in industry],
                  figures=[{"enterprise_id": i, "year": YEAR, "tax": t} for i, t in taxes.items()],
                  references=[{"layer_code": "nature", "kind": "protected_area", "geometry": protected}])
    assert {k: r["category"] for k, r in rows.items()} == {
        "P01": "产业类", "P03": "效益类", "P04": "用地类", "P05": "用地类", "P07": "布局类"}
    assert rows["P01"]["reasons"][:2] == ["主要用地企业行业大类代码 26 属于六大高耗能行业（25、26、30、31、32、44）",
                                          "地块亩均税收 14.99 万元/亩 < 15 万元/亩"]
    assert rows["P04"]["reasons"][0] == "容积率 0.99 < 1"
    assert rows["P05"]["reasons"][0] == "建筑系数 0.349 < 0.35"
    assert json.loads(rows["P05"]["values"])["building_coefficient"] == 0.349
    assert rows["P07"]["reasons"][0] == "距保护区 0 米 ≤ 0 米"
    assert rows["P03"]["reasons"][0] == "地块亩均税收 9.99 万元/亩 < 10 万元/亩"


# --- 沿江一公里 ---------------------------------------------------------------------------------------------------

def test_riverside_chemical_firms_within_the_distance_of_the_river():
    river = to_storage(shapely.LineString([(X0, Y0 - 5000), (X0, Y0), (X0 + 10, Y0 + 5000)]))
    edge = {1: 999.5, 2: 1000.5, 3: 500.0, 4: 200.0}  # west edge of each parcel, metres east of the river
    parcels = [{"parcel_id": i, "parcel_code": f"P{i}", "geometry": square(X0 + d, Y0 - 2000)}
               for i, d in edge.items()]
    parcels.append({"parcel_id": 5, "parcel_code": "P5", "geometry": square(X0 + 3000, Y0 - 2000)})
    people = firms("F1", "F2", "F3", "F4", industry_code="2614")
    people[2]["industry_code"] = "3670"  # not chemical
    people[3]["industry_code"] = "2710"  # 化学药品原料药制造
    links = [{"enterprise_id": i, "parcel_id": i, "role": "holder"} for i in range(1, 5)]
    links.append({"enterprise_id": 2, "parcel_id": 5, "role": "tenant"})
    rows = listed("riverside-chemical", firms=people, parcels=parcels, links=links,
                  references=[{"layer_code": "yanxi", "kind": "river", "geometry": river}])
    assert sorted(rows) == ["F1", "F4"]
    assert rows["F1"]["reasons"] == ["行业代码 2614 属于化工行业（251、252、26、271、272、28）", "距河流水系 999.5 米 ≤ 1000 米"]
    assert json.loads(rows["F1"]["values"])["distance_m:river"] == pytest.approx(999.5, abs=0.01)
    assert rows["F1"]["parcel_id"] == 1
    assert listed("riverside-chemical", firms=people, parcels=parcels, links=links) == {}  # no river layer


# --- 漏报瞒报疑点 --------------------------------------------------------------------------------------------------

def test_underreporting_missing_years_since_production_start():
    people = firms("F1", "F2", "F3", "F4")
    people[1]["production_start"] = dt.date(2024, 6, 1)
    people[2]["production_start"] = dt.date(2025, 3, 1)
    people[3]["status"] = "deregistered"
    figures = [{"enterprise_id": 1, "year": y, "tax": 10.0, "revenue": 100.0} for y in (2023, 2025)]
    figures += [{"enterprise_id": 2, "year": y, "tax": 10.0, "revenue": 100.0} for y in (2024, 2025)]
    figures += [{"enterprise_id": 1, "year": 2022, "tax": 10.0}]  # outside the 3-year window
    rows = listed("underreporting-suspects", firms=people, figures=figures)
    assert {k: r["category"] for k, r in rows.items()} == {"F1": "年度数据缺报", "F3": "年度数据缺报"}
    assert rows["F1"]["reasons"][0] == "近3年缺报年度 1 个 ≥ 1 个"


def test_underreporting_counts_no_year_before_the_ledgers_first_year():
    """issue 14: a ledger whose figures begin in 2024 does not list every firm for a missing 2023 (the demo's 2024
    list flagged 1,369 firms for 2022, a year it never had); a gap after the first year still counts."""
    people = firms("F1", "F2")
    figures = [{"enterprise_id": 1, "year": y, "tax": 10.0, "revenue": 100.0} for y in (2024, 2025)]
    figures += [{"enterprise_id": 2, "year": 2024, "tax": 10.0, "revenue": 100.0}]  # 2025 missing
    rows = listed("underreporting-suspects", firms=people, figures=figures)
    assert {k: r["category"] for k, r in rows.items()} == {"F2": "年度数据缺报"}


def test_underreporting_contradictions_and_drops_at_their_boundaries():
    people = firms(*[f"F{i}" for i in range(1, 10)], production_start=dt.date(2025, 1, 1))
    now = {1: {"tax": 0.01}, 2: {"tax": 0.0},
           3: {"electricity_10k_kwh": 10.01, "output_value": 0.0}, 4: {"electricity_10k_kwh": 10.0},
           5: {"revenue": 50.0, "electricity_10k_kwh": 100.0}, 6: {"revenue": 50.01, "electricity_10k_kwh": 100.0},
           7: {"revenue": 50.0, "electricity_10k_kwh": 80.0}, 8: {"revenue": 50.0, "electricity_10k_kwh": 80.01},
           9: {"tax": 5.0, "revenue": 81.0}}
    before = {5: {"revenue": 100.0, "electricity_10k_kwh": 100.0}, 6: {"revenue": 100.0, "electricity_10k_kwh": 100.0},
              7: {"revenue": 100.0, "electricity_10k_kwh": 100.0}, 8: {"revenue": 100.0, "electricity_10k_kwh": 100.0},
              9: {"tax": 10.0, "revenue": 100.0}}
    base = {"revenue": 1.0, "output_value": 1.0}
    figures = [{"enterprise_id": i, "year": YEAR, **base, **values} for i, values in now.items()]
    figures += [{"enterprise_id": i, "year": YEAR - 1, **base, **values} for i, values in before.items()]
    for row in figures[:4]:
        row.pop("revenue") if row["enterprise_id"] in (1, 2) else row.pop("output_value")
    rows = listed("underreporting-suspects", firms=people, figures=figures)
    assert {k: r["category"] for k, r in rows.items()} == {"F1": "有税无收入", "F3": "有电无产值", "F5": "营业收入骤降",
                                                         "F8": "营业收入骤降", "F9": "税收骤降"}
    assert rows["F1"]["reasons"][:2] == ["评价税收 0.01 万元 > 0 万元", "营业收入缺失"]
    assert rows["F5"]["reasons"][:2] == ["营业收入较上年变化 -50 % ≤ -50 %", "用电量较上年变化 0 % > -20 %"]
    assert json.loads(rows["F9"]["values"])["change_pct:tax:1"] == -50.0


def test_zone_scope_and_every_rule_on_empty_inputs():
    people = firms("F1", "F2")
    people[1]["zone_id"] = 2
    inputs = make_inputs(year=YEAR, evaluation_run_id=1, zone_ids=[2], firms=people,
                         evaluation=[{"enterprise_id": 1, "klass": "D"}, {"enterprise_id": 2, "klass": "D"}])
    assert generate(inputs, builtin_rules()["low-efficiency-firms"]).get_column("subject_key").to_list() == ["F2"]
    empty = make_inputs(year=YEAR, evaluation_run_id=1)
    for rule in builtin_rules().values():
        assert generate(empty, rule).height == 0
