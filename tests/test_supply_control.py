"""Issue 15 §4: the land control indicators (工业项目建设用地控制指标) on crafted parcels with hand-computed values
at the limits, the edition chosen by the supply date, the 2017 → 2002 industry crosswalk, the rules' validation,
and the control page / export / CLI keeping to the user's parks."""

import datetime as dt

import polars as pl
import pytest

from parkgov.errors import ConfigError
from parkgov.supply.control_engine import evaluate
from parkgov.supply.landuse_rules import control_rules, load_control_rules

LAND = 10000.0  # m², so that an area of 700 m² is exactly 7 %


def parcel(code, *, floor=7000.0, footprint=3000.0, admin=700.0, green=2000.0, supplied=dt.date(2010, 1, 1),
           industry="3854", land_use="100101", land=LAND, firm=1):
    return {"parcel_id": int(code[1:]) if code[1:].isdigit() else hash(code) % 10_000, "code": code, "zone_id": 1,
            "land_use_code": land_use, "registered_area_m2": land, "floor_area_m2": floor,
            "footprint_area_m2": footprint, "admin_area_m2": admin, "green_area_m2": green, "supply_date": supplied,
            "enterprise_id": firm if industry else None, "industry_code": industry}


def run(*rows) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema_overrides={"supply_date": pl.Date, "enterprise_id": pl.Int64,
                                                        "industry_code": pl.Utf8, "admin_area_m2": pl.Float64,
                                                        "green_area_m2": pl.Float64, "footprint_area_m2": pl.Float64})
    return evaluate(parcels=frame, rules=control_rules())


def result(frame, code, indicator) -> dict:
    rows = frame.filter((pl.col("code") == code) & (pl.col("indicator") == indicator)).to_dicts()
    assert len(rows) == 1, (code, indicator, rows)
    return rows[0]


def test_exactly_at_each_limit_passes_and_one_hundredth_beyond_fails():
    """2008 edition, 3854 (2017 电气机械 38 → 2002 39, 容积率 ≥ 0.7): 7000/10000 = 0.70 meets it; 建筑系数
    3000/10000 × 100 = 30.00 % meets ≥ 30 %; 行政办公 700/10000 × 100 = 7.00 % meets ≤ 7 %; 绿地率 2000 m² = 20 %."""
    at = run(parcel("P1"), parcel("P2", floor=6999.0, footprint=2999.0, admin=701.0, green=2001.0))
    for indicator, value, limit in (("plot_ratio", 0.7, 0.7), ("building_coefficient", 30.0, 30.0),
                                    ("admin_share", 7.0, 7.0), ("green_ratio", 20.0, 20.0)):
        row = result(at, "P1", indicator)
        assert (row["edition"], row["value"], row["limit"], row["status"], row["violated"]) == (
            "2008", value, limit, "ok", False), indicator
    beyond = {i: result(at, "P2", i) for i in ("plot_ratio", "building_coefficient", "admin_share", "green_ratio")}
    assert beyond["plot_ratio"]["value"] == 0.7 and beyond["plot_ratio"]["status"] == "ok"  # 0.6999 → 0.70
    assert beyond["building_coefficient"]["value"] == 29.99 and beyond["building_coefficient"]["violated"]
    assert beyond["admin_share"]["value"] == 7.01 and beyond["admin_share"]["violated"]
    assert beyond["green_ratio"]["value"] == 20.01 and beyond["green_ratio"]["violated"]
    low = run(parcel("P3", floor=6940.0))  # 0.694 → 0.69 < 0.7
    assert result(low, "P3", "plot_ratio")["value"] == 0.69 and result(low, "P3", "plot_ratio")["violated"]


def test_admin_share_just_above_seven_percent_fails():
    """7.01 % = 701 m² of 10000; 7.004 % rounds to the published precision (7.00) and passes."""
    frame = run(parcel("P1", admin=701.0), parcel("P2", admin=700.4))
    assert result(frame, "P1", "admin_share")["violated"]
    assert not result(frame, "P2", "admin_share")["violated"]


def test_the_edition_follows_the_supply_date():
    """2004 from 2004-11-01 (no 容积率 table, no 绿地率), 2008 from 2008-01-31, 2023 from 2023-06-01; before the
    first edition nothing is checked."""
    rules = control_rules()
    starts = {e.id: e.applies_from for e in rules.editions}
    assert starts == {"2004": dt.date(2004, 11, 1), "2008": dt.date(2008, 1, 31), "2023": dt.date(2023, 6, 1)}
    assert not any(e.verified for e in rules.editions)  # recalled values stay unverified
    frame = run(parcel("P1", supplied=dt.date(2004, 10, 31)), parcel("P2", supplied=dt.date(2004, 11, 1)),
                parcel("P3", supplied=dt.date(2008, 1, 30)), parcel("P4", supplied=dt.date(2008, 1, 31)),
                parcel("P5", supplied=dt.date(2023, 5, 31)), parcel("P6", supplied=dt.date(2023, 6, 1)),
                parcel("P7", supplied=None))
    editions = {r["code"]: r["edition"] for r in frame.filter(pl.col("indicator") == "admin_share").to_dicts()}
    assert editions == {"P1": None, "P2": "2004", "P3": "2004", "P4": "2008", "P5": "2008", "P6": "2023", "P7": None}
    assert result(frame, "P1", "admin_share")["status"] == "no_edition"
    assert result(frame, "P2", "plot_ratio")["status"] == "no_limit"  # the 2004 table was not transcribed
    assert result(frame, "P2", "green_ratio")["status"] == "no_limit"
    assert result(frame, "P2", "building_coefficient")["limit"] == 30.0
    # 2023 (recalled): 建筑系数 ≥ 40 % — 30 % now fails; 容积率 only for C36, not for 3854
    assert result(frame, "P6", "building_coefficient")["limit"] == 40.0 and result(frame, "P6", "building_coefficient")["violated"]
    assert result(frame, "P6", "plot_ratio")["status"] == "not_tabled"


def test_industry_crosswalk_2017_to_2002():
    """29 橡胶和塑料 splits: 2911 (rubber) → 2002 29 (0.8), 2921 (plastics) → 2002 30 (1.0); 3670 汽车 → 2002 37
    (0.7) under 2008 and C36 (0.8) under 2023; 4320 修理业 has no 2002 class; no industry → not checked."""
    frame = run(parcel("P1", industry="2911", floor=8000.0), parcel("P2", industry="2921", floor=8000.0),
                parcel("P3", industry="3670", floor=7500.0), parcel("P4", industry="3670", floor=7500.0,
                                                                     supplied=dt.date(2024, 1, 1), footprint=4000.0),
                parcel("P5", industry="4320"), parcel("P6", industry=None))
    p = {code: result(frame, code, "plot_ratio") for code in ("P1", "P2", "P3", "P4", "P5", "P6")}
    assert (p["P1"]["industry_key"], p["P1"]["limit"], p["P1"]["violated"]) == ("29", 0.8, False)
    assert (p["P2"]["industry_key"], p["P2"]["limit"], p["P2"]["violated"]) == ("30", 1.0, True)
    assert (p["P3"]["industry_key"], p["P3"]["limit"], p["P3"]["violated"]) == ("37", 0.7, False)
    assert (p["P4"]["industry_key"], p["P4"]["limit"], p["P4"]["violated"]) == ("36", 0.8, True)  # 0.75 < 0.8
    assert p["P5"]["status"] == "not_tabled" and p["P6"]["status"] == "no_industry"


def test_only_industrial_parcels_with_buildings_are_checked():
    frame = run(parcel("P1"), parcel("P2", land_use="090101"), parcel("P3", floor=0.0), parcel("P4", floor=None),
                parcel("P5", land_use="100103"), parcel("P6", footprint=None))
    assert sorted(set(frame["code"])) == ["P1", "P5", "P6"]
    assert frame.height == 12
    assert result(frame, "P6", "building_coefficient")["status"] == "no_value"


def test_rules_refuse_bad_files_naming_file_and_path(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    source = control_rules  # the shipped files are valid
    assert len(source().editions) == 3
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "parkgov" / "supply" / "data" / "control_indicators"
    for path in shipped.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = (folder / "2008.yaml").read_text(encoding="utf-8").replace('"13": 1.0', '"1a": 1.0')
    (folder / "2008.yaml").write_text(text.replace("industry_classification: gbt4754_2002",
                                                   "industry_classification: gbt2002"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_control_rules(folder)
    message = str(caught.value)
    assert "2008.yaml" in message and "indicators.plot_ratio.by_industry" in message and "1a" in message
    assert "industry_classification" in message
    (folder / "2008.yaml").write_text(text.replace('"1a": 1.0', '"13": 1.0').replace("applies_from: 2008-01-31",
                                                                                     "applies_from: 2004-11-01"),
                                      encoding="utf-8")
    with pytest.raises(ConfigError, match="applies_from 重复"):
        load_control_rules(folder)


@pytest.fixture
def built(db):
    """cases_world's parcels given buildings: SZ-0001 (firm 1, 3854, supplied 2010) breaks 行政办公 (7.01 %),
    SZ-0002 (park SZ-XW1, firm 2, 1811 → 2002 18, 容积率 ≥ 1.0) breaks 容积率 (0.9), SZ-0003 meets all."""
    from parkgov.ledger.models import Enterprise, LandLink, Parcel
    from parkgov.testing import cases_world, uscc

    cases_world()
    Enterprise.objects.filter(credit_code=uscc(1)).update(industry_code="3854")
    Enterprise.objects.filter(credit_code=uscc(2)).update(industry_code="1811")
    area = 10000.0
    values = {"SZ-0001": (8000, 4000, 701, 1000), "SZ-0002": (9000, 4000, 500, 1000), "SZ-0003": (8000, 4000, 700, 2000)}
    for code, (floor, footprint, admin, green) in values.items():
        Parcel.objects.filter(code=code).update(
            registered_area_m2=area, floor_area_m2=floor, footprint_area_m2=footprint, admin_area_m2=admin,
            green_area_m2=green, land_use_code="100101", supply_date=dt.date(2010, 1, 1))
    for credit, code in ((uscc(1), "SZ-0001"), (uscc(2), "SZ-0002")):
        LandLink.objects.create(enterprise=Enterprise.objects.get(credit_code=credit),
                                parcel=Parcel.objects.get(code=code), role="holder", land_area_m2=area)


def test_control_rows_export_and_cli_name_the_values(built, tmp_path):
    import fastexcel
    from typer.testing import CliRunner

    from parkgov.cli import app
    from parkgov.governance.lists import operator_scope
    from parkgov.supply.control import ControlFilters, control_rows, export_rows

    rows = control_rows(scope=operator_scope(), filters=ControlFilters())
    assert [(r["code"], r["indicator"], r["value"], r["limit"]) for r in rows] == [
        ("SZ-0001", "admin_share", 7.01, 7.0), ("SZ-0002", "plot_ratio", 0.9, 1.0)]
    assert rows[0]["enterprise_name"] == "嵊州市甲厨具有限公司" and rows[1]["industry_key"] == "18"
    path = tmp_path / "control.xlsx"
    assert export_rows(rows=rows, path=path) == 2
    sheet = fastexcel.read_excel(path.read_bytes()).load_sheet("控制指标核查").to_polars()
    assert sheet["地块编码"].to_list() == ["SZ-0001", "SZ-0002"] and sheet["实际值"].to_list() == [7.01, 0.9]
    assert sheet["控制值"].to_list() == ["≤ 7", "≥ 1"] and set(sheet["结果"]) == {"不符合"}
    result = CliRunner().invoke(app, ["supply", "control", "--out", str(tmp_path / "cli.xlsx")])
    assert result.exit_code == 0, result.output
    assert "容积率：不符合 1 宗" in result.output and "行政办公及生活服务设施用地所占比重：不符合 1 宗" in result.output
    assert (tmp_path / "cli.xlsx").exists()
    bad = CliRunner().invoke(app, ["supply", "control", "--indicator", "tax"])
    from parkgov.errors import UsageError

    assert isinstance(bad.exception, UsageError) and "--indicator “tax”无效" in str(bad.exception)


def test_control_page_filters_and_scope(client, built):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    client.force_login(get_user_model().objects.get(username="natural_resources"))
    page = client.get(reverse("supply:control")).content.decode()
    assert 'data-parcel="SZ-0001" data-indicator="admin_share"' in page and 'data-parcel="SZ-0002"' in page
    only = client.get(reverse("supply:control"), {"indicator": "plot_ratio"}).content.decode()
    assert 'data-parcel="SZ-0001"' not in only and 'data-parcel="SZ-0002" data-indicator="plot_ratio"' in only
    client.force_login(get_user_model().objects.get(username="natural_resources-xw1"))
    page = client.get(reverse("supply:control"), {"all": "1"}).content.decode()
    assert 'data-parcel="SZ-0002"' in page and 'data-parcel="SZ-0001"' not in page and 'data-parcel="SZ-0003"' not in page


def test_demo_part_makes_a_violation_of_each_missing_kind(built, actor):
    """The crafted ledger breaks only 行政办公 and 容积率; the demo part nudges one checked parcel past the 建筑系数
    and 绿地率 limits (with history), leaving the kinds already present alone."""
    from parkgov.demo.supply_landuse import _ensure_violations
    from parkgov.governance.lists import operator_scope
    from parkgov.ledger.models import Parcel
    from parkgov.supply.control import ControlFilters, control_rows

    assert _ensure_violations(actor=actor) == 2
    rows = control_rows(scope=operator_scope(), filters=ControlFilters())
    assert {r["indicator"] for r in rows} == {"plot_ratio", "building_coefficient", "admin_share", "green_ratio"}
    nudged = Parcel.objects.get(code="SZ-0001")
    assert (nudged.footprint_area_m2, nudged.green_area_m2) == (2400.0, 2600.0)  # 30 % × 0.8, 20 % × 1.3 of 1 ha
    assert nudged.history.count() >= 2
    assert _ensure_violations(actor=actor) == 0
