"""Issue 16 §1: zone land accounts — derived from the ledger's parcels and yearly figures by the category table,
entered through the 园区土地 sheet (entered wins, provenance says which), refused when the parts exceed their
totals (sheet, row, column, value named; nothing written), warned when they fall short, exported and imported
back unchanged; on SQLite and PostgreSQL."""

import datetime as dt

import fastexcel
import polars as pl
import pytest

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.export import export_ledger, ledger_frames
from parkgov.ingest.schema import header_of
from parkgov.ingest.services import import_workbook
from parkgov.ingest.template import write_template
from parkgov.testing import land_sheet_rows, small_ledger_sheets, write_workbook
from parkgov.zones.accounts import refresh_accounts
from parkgov.zones.categories import category_table
from parkgov.zones.derive import categorise
from parkgov.zones.land_sheet import land_sheet
from parkgov.zones.models import ZoneLandAccount, ZoneLandEntry

pytestmark = pytest.mark.django_db

ISSUE_COLUMNS = ["园区编码", "年度", "土地总面积", "A1", "A2", "A31", "A32", "A4", "A51", "A52", "A6", "B11", "B12",
                 "B21", "B22", "C1", "C2", "C3", "D1", "D21", "D22", "E1", "E21", "E22", "G", "总建筑面积",
                 "建筑基底总面积", "工矿仓储总建筑面积", "工矿仓储建筑基底面积", "工业企业固定资产投资总额",
                 "工业企业税收总额", "二三产业税收总额", "常住人口"]


@pytest.fixture
def ledger(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)


def account(code, year=2025):
    return ZoneLandAccount.objects.get(zone__code=code, year=year)


def import_land(tmp_path, actor, rows, name="land.xlsx"):
    return import_workbook(path=write_workbook(tmp_path / name, {"园区土地": land_sheet_rows(rows)}), actor=actor)


def test_the_sheet_has_the_issues_columns_in_order_and_is_in_the_template(tmp_path):
    headers = [c.header for c in land_sheet().columns]
    assert headers[:len(ISSUE_COLUMNS)] == ISSUE_COLUMNS
    assert headers[len(ISSUE_COLUMNS):] == ["已处置闲置土地"]  # optional: the 2010 闲置土地处置率
    assert header_of(land_sheet().column("a2")) == "A2（公顷）"
    assert header_of(land_sheet().column("floor_area")) == "总建筑面积（万平方米）"
    write_template(path=tmp_path / "template.xlsx")
    reader = fastexcel.read_excel(tmp_path / "template.xlsx")
    assert "园区土地" in reader.sheet_names
    assert reader.load_sheet("园区土地").to_polars().columns[:3] == ["园区编码", "年度", "土地总面积（公顷）"]


def test_accounts_derived_from_the_parcels_by_hand(ledger):
    refresh_accounts(years=[2025, 2010])
    sz, xw = account("SZ"), account("SZ-XW1")
    # SZ holds its own parcels and those of its park SZ-XW1: SZ-0001 (20000 m², industrial, in use) and SZ-0002
    # (6666.67 m²) are A2 and D21; SZ-0003 (3000 m², collective, idle) is B22 and neither supplied nor idle
    assert sz.a2 == pytest.approx(2.666667) and sz.d21 == pytest.approx(2.666667) and sz.b22 == pytest.approx(0.3)
    assert sz.g == 0 and sz.b21 == 0 and sz.d22 == 0 and sz.total_area is None
    assert sz.a1 is None and sz.c1 is None  # not covered by a ledger of industrial parcels: to be entered
    assert sz.floor_area == pytest.approx(3.4) and sz.footprint_area == pytest.approx(1.25)  # 万平方米
    assert sz.industrial_tax == pytest.approx(680 + 5.5)  # 2025 tax of the firms of SZ and SZ-XW1
    assert sz.industrial_investment == pytest.approx(800 + 650 + 20)  # fixed investment up to 2025
    assert xw.a2 == pytest.approx(0.666667) and xw.floor_area == pytest.approx(0.8) and xw.industrial_tax is None
    assert sz.provenance["a2"] == {"source": "derived", "parcels": 2}
    assert sz.provenance["industrial_tax"] == {"source": "derived", "firms": 2}
    assert "a1" not in sz.provenance
    # 2010: both parcels were supplied later (2011, 2015): ready for supply (B21) and still suppliable (E21)
    old = account("SZ", 2010)
    assert old.a2 == 0 and old.d21 == 0 and old.b21 == pytest.approx(2.666667) and old.e21 == pytest.approx(2.666667)


def test_category_rules_year_gate_and_expiry():
    parcels = pl.DataFrame({
        "zone_id": [1] * 6, "registered_area_m2": [10000.0] * 6,
        "land_use_code": ["070101", "0901", "1207", "100101", "100101", "100101"],
        "ownership": ["state"] * 5 + ["collective"],
        "supply_status": ["in_use", "in_use", "in_use", "in_use", "approved_not_supplied", "in_use"],
        "supply_method": ["transfer", "transfer", "allocation", "transfer", None, "other"],
        "supply_date": [dt.date(1990, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2024, 6, 1), None,
                        None],
        "term_years": [30.0, 40.0, None, 50.0, None, None], "building_year": [None, None, None, 2025, None, None]})
    got = categorise(parcels, category_table(), year=2024)
    assert got["status_category"].to_list() == ["A1", "A4", "A31", "B21", "B21", "B11"]
    assert got["supply_category"].to_list() == ["D22", "D21", "D1", "D21", None, None]  # 1990 + 30 ≤ 2024
    assert got["available_category"].to_list() == [None, None, None, None, "E21", None]


def test_entered_values_win_and_provenance_says_which(ledger, tmp_path, actor):
    report = import_land(tmp_path, actor, [{"zone": "SZ", "year": 2025, "total_area": 10, "a1": 1.0, "a2": 3.0}])
    assert report.written["园区土地"]["created"] == 1
    sz = account("SZ")
    assert sz.a2 == 3.0 and sz.a1 == 1.0 and sz.d21 == pytest.approx(2.666667)
    assert sz.provenance["a2"] == {"source": "entered", "submission": report.submission_id}
    assert sz.provenance["d21"]["source"] == "derived"
    assert [p["level"] for p in sz.problems] == ["warning"]  # 3 + 1 + 0.3 of 10 公顷 classified
    again = import_land(tmp_path, actor, [{"zone": "SZ", "year": 2025, "population": 500}], name="again.xlsx")
    sz = account("SZ")
    assert sz.a2 == 3.0 and sz.population == 500  # a blank cell keeps the stored value
    assert sz.provenance["a2"]["submission"] == report.submission_id
    assert sz.provenance["population"]["submission"] == again.submission_id


@pytest.mark.parametrize("row,column,value,message", [
    ({"total_area": 2.0, "a1": 1.0}, "土地总面积（公顷）", "2.0",
     "A+B+C 合计 3.97 公顷，超过土地总面积 2.00 公顷（土地总面积为填报值）"),
    ({"g": 5.0}, "G（公顷）", "5.0", "闲置土地 G 5.00 公顷，超过已供应土地 D 2.67 公顷（G为填报值）"),
    ({"industrial_floor_area": 9.0}, "工矿仓储总建筑面积（万平方米）", "9.0",
     "工矿仓储总建筑面积 9.00 万平方米，超过总建筑面积 3.40 万平方米（工矿仓储总建筑面积为填报值）"),
    ({"footprint_area": 4.0}, "建筑基底总面积（万平方米）", "4.0",
     "建筑基底面积 4.00 万平方米超过其用地 A 2.67 公顷（建筑密度超过 100%）（建筑基底总面积为填报值）"),
])
def test_parts_exceeding_their_total_are_refused_naming_the_cell(ledger, tmp_path, actor, row, column, value,
                                                                 message):
    with pytest.raises(ImportRejected) as caught:
        import_land(tmp_path, actor, [{"zone": "SZ", "year": 2025, **row}])
    errors = caught.value.report.issues.errors
    assert [(e.sheet, e.row, e.column, e.value, e.message) for e in errors] == [("园区土地", 2, column, value, message)]
    assert not ZoneLandEntry.objects.exists() and not ZoneLandAccount.objects.exists()


def test_bad_cells_and_unknown_zones_are_refused_and_nothing_is_written(ledger, tmp_path, actor):
    rows = [{"zone": "NOPE", "year": 2025, "a1": 1.0}, {"zone": "SZ", "year": 2025, "a1": -1.0},
            {"zone": "SZ", "year": 1990, "a1": 1.0}, {"zone": "SZ-XW1", "year": 2025, "a1": 1.0},
            {"zone": "SZ-XW1", "year": 2025, "a2": 1.0}]
    with pytest.raises(ImportRejected) as caught:
        import_land(tmp_path, actor, rows)
    found = {(e.row, e.column) for e in caught.value.report.issues.errors}
    assert {(2, "园区编码"), (3, "A1（公顷）"), (4, "年度")} <= found
    assert any(e.row == 6 and "重复" in e.message for e in caught.value.report.issues.errors)
    assert all(e.sheet == "园区土地" for e in caught.value.report.issues.errors)
    assert not ZoneLandEntry.objects.exists()


def test_a_shortfall_is_a_warning_and_the_row_is_written(ledger, tmp_path, actor):
    report = import_land(tmp_path, actor, [{"zone": "SZ", "year": 2025, "total_area": 100.0}])
    warnings = [i for i in report.issues.items if i.level == "warning" and i.sheet == "园区土地"]
    assert [w.message for w in warnings] == [
        "A+B+C 合计 2.97 公顷，少于土地总面积 100.00 公顷（97.03 公顷未分类）（土地总面积为填报值）"]
    assert account("SZ").total_area == 100.0


def test_export_then_import_round_trip(ledger, tmp_path, actor):
    import_land(tmp_path, actor, [{"zone": "SZ", "year": 2025, "total_area": 10, "a1": 1.25, "population": 320},
                                  {"zone": "SZ-XW1", "year": 2024, "c1": 0.5}])
    before = ledger_frames()["园区土地"]
    assert before.height == 2 and before.filter(pl.col("zone") == "SZ")["a1"].item() == 1.25
    export_ledger(path=tmp_path / "out.xlsx")
    sheet = fastexcel.read_excel(tmp_path / "out.xlsx").load_sheet("园区土地").to_polars()
    assert sheet["园区编码"].to_list() == ["SZ", "SZ-XW1"] and sheet["A1（公顷）"].to_list()[0] == 1.25
    report = import_workbook(path=tmp_path / "out.xlsx", actor=actor)
    assert report.written["园区土地"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert ledger_frames()["园区土地"].equals(before)


def test_a_bad_category_table_is_refused_naming_the_yaml_path(tmp_path):
    text = (category_table.__wrapped__.__defaults__[0]).read_text(encoding="utf-8").replace("category: D22",
                                                                                           "category: A2")
    path = tmp_path / "categories.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"supply\[2\]\.category: 类别 A2 不属于本组"):
        category_table.__wrapped__(path)


def test_areas_in_mu_or_square_metres_are_converted_to_hectares(ledger, tmp_path, actor):
    rows = land_sheet_rows([{"zone": "SZ", "year": 2025, "a1": 15.0, "c1": 20000.0}])
    rows[0] = [h.replace("A1（公顷）", "A1（亩）").replace("C1（公顷）", "C1（平方米）") for h in rows[0]]
    import_workbook(path=write_workbook(tmp_path / "units.xlsx", {"园区土地": rows}), actor=actor)
    assert account("SZ").a1 == pytest.approx(1.0) and account("SZ").c1 == pytest.approx(2.0)  # 15 亩, 20000 m²


def test_an_unchanged_account_is_not_saved_again(ledger):
    assert refresh_accounts(years=[2025]) == 2
    history = ZoneLandAccount.history.count()
    assert refresh_accounts(years=[2025]) == 0 and ZoneLandAccount.history.count() == history
