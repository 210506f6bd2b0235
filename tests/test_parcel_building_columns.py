"""Issue 14 §6: the 地块 sheet's optional columns 建成年份, 房屋质量 and 用地手续 — import, checks, export, template."""

import datetime as dt

import fastexcel
import pytest

from parkgov.errors import ImportRejected
from parkgov.ingest.export import export_ledger, ledger_frames
from parkgov.ingest.schema import SHEETS_BY_NAME, header_of
from parkgov.ingest.services import import_workbook
from parkgov.ingest.template import write_template
from parkgov.ledger.models import Parcel
from parkgov.testing import PARCEL_HEADER, small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db

NEW_HEADERS = ["建成年份", "房屋质量", "用地手续"]


def _with_building_columns(values, headers=NEW_HEADERS):
    """The small ledger with the three columns on its 地块 sheet, `values` one triple per parcel row."""
    sheets = small_ledger_sheets()
    rows = sheets["地块"]
    rows[0] = list(PARCEL_HEADER) + list(headers)
    for row, extra in zip(rows[1:], values):
        row.extend(extra)
    return sheets


def test_labels_and_aliases_import_to_stored_values(tmp_path, actor):
    sheets = _with_building_columns([(2012, "良好", "手续完备"), (2016.0, "一般", "手续不全"), (None, "危房", "无合法手续")],
                                    headers=["建成年代", "房屋质量（良好/一般/较差/危房）", "土地手续"])
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", sheets), actor=actor)
    stored = {p.code: (p.building_year, p.building_quality, p.land_procedures) for p in Parcel.objects.all()}
    assert stored == {"SZ-0001": (2012, "good", "complete"), "SZ-0002": (2016, "fair", "incomplete"),
                      "SZ-0003": (None, "dangerous", "none")}


@pytest.mark.parametrize("value, column, message", [
    ("很好", "房屋质量", "不是允许的取值（允许：良好、一般、较差、危房）"),
    ("齐全", "用地手续", "不是允许的取值（允许：手续完备、手续不全、无合法手续）"),
    (1890, "建成年份", "不在允许范围 1949–2100"),
    (2012.5, "建成年份", "应为整数"),
    (dt.date.today().year + 1, "建成年份", f"建成年份晚于当前年度 {dt.date.today().year}"),
])
def test_bad_values_are_refused_naming_sheet_row_column_and_value(tmp_path, actor, value, column, message):
    triple = {"建成年份": [value, "良好", "手续完备"], "房屋质量": [2012, value, "手续完备"],
              "用地手续": [2012, "良好", value]}[column]
    sheets = _with_building_columns([triple, (2016, "一般", "手续完备"), (2009, "较差", "手续不全")])
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=write_workbook(tmp_path / "bad.xlsx", sheets), actor=actor)
    errors = caught.value.report.issues.errors
    assert [(e.sheet, e.row, e.column.split("（")[0], e.message) for e in errors] == [("地块", 2, column, message)]
    assert str(value) in errors[0].describe()
    assert not Parcel.objects.exists()


def test_export_writes_labels_and_imports_back_unchanged(tmp_path, actor):
    sheets = _with_building_columns([(2012, "良好", "手续完备"), (2016, "较差", "手续不全"), (2009, "危房", "无合法手续")])
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", sheets), actor=actor)
    before = ledger_frames()
    out = tmp_path / "export.xlsx"
    export_ledger(path=out)
    sheet = fastexcel.read_excel(str(out)).load_sheet("地块", dtypes="string").to_polars()
    spec = SHEETS_BY_NAME["地块"]
    quality, procedures = (header_of(spec.column(f)) for f in ("building_quality", "land_procedures"))
    assert quality == "房屋质量（良好/一般/较差/危房）" and procedures == "用地手续（手续完备/手续不全/无合法手续）"
    assert sheet.get_column(quality).to_list() == ["良好", "较差", "危房"]
    assert sheet.get_column(procedures).to_list() == ["手续完备", "手续不全", "无合法手续"]
    assert sheet.get_column("建成年份").to_list() == ["2012", "2016", "2009"]
    Parcel.objects.update(building_year=None, building_quality="", land_procedures="")
    report = import_workbook(path=out, actor=actor)
    assert report.written["地块"]["updated"] == 3
    after = ledger_frames()
    assert before["地块"].drop("id").equals(after["地块"].drop("id"))


def test_template_offers_the_columns_with_dropdowns(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path=path, sheet_names=["地块"])
    header = fastexcel.read_excel(str(path)).load_sheet("地块", dtypes="string").to_polars().columns
    assert header[-7:] == ["建成年份", "房屋质量（良好/一般/较差/危房）", "用地手续（手续完备/手续不全/无合法手续）",
                           "启用日期", "灭失日期", "临时编码（是/否）", "备注"]  # issue 17 §2: validity and code flag
    import zipfile

    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet3.xml").decode()  # 说明, 代码表, 地块
    assert "良好,一般,较差,危房" in xml and "手续完备,手续不全,无合法手续" in xml
