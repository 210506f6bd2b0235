"""Template, error workbook, export round trip, and rejection of bad files."""

import zipfile

import fastexcel
import polars as pl
import pytest

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.export import export_ledger, ledger_frames
from parkgov.ingest.report import write_error_workbook
from parkgov.ingest.schema import SHEETS, header_of
from parkgov.ingest.services import import_workbook
from parkgov.ingest.template import write_template
from parkgov.ledger.models import Enterprise, Zone
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db


def _sheet(path, name):
    return fastexcel.read_excel(str(path)).load_sheet(name, dtypes="string").to_polars()


def test_template_has_every_sheet_header_validation_and_ignored_examples(tmp_path, actor):
    path = tmp_path / "template.xlsx"
    write_template(path=path)
    reader = fastexcel.read_excel(str(path))
    filled_in = [s for s in SHEETS if s.template]  # issue 17 §2: 地块沿革 (system-written) only when asked for
    assert reader.sheet_names[:1] == ["说明"] and set(s.name for s in filled_in) <= set(reader.sheet_names)
    assert "地块沿革" not in reader.sheet_names
    for spec in filled_in:
        frame = _sheet(path, spec.name)
        assert frame.columns == [header_of(c) for c in spec.columns] + ["备注"]
        assert frame.item(0, "备注").startswith("示例")
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet4.xml").decode()  # 说明, 代码表, 园区, 企业
    assert "<dataValidation" in sheet_xml and "规上,规下" in sheet_xml
    with pytest.raises(ImportRejected, match="没有数据行") as caught:  # examples ignored: nothing left (issue 13)
        import_workbook(path=path, actor=actor, dry_run=True)
    report = caught.value.report
    assert all(n == 0 for n in report.rows.values()) and {e.message for e in report.issues.errors} == {"没有数据行"}


def test_template_with_chosen_sheets_and_unknown_sheet(tmp_path):
    write_template(path=tmp_path / "t.xlsx", sheet_names=["年度数据"])
    assert fastexcel.read_excel(str(tmp_path / "t.xlsx")).sheet_names == ["说明", "代码表", "年度数据"]
    with pytest.raises(InputError, match="未知的工作表 年报"):
        write_template(path=tmp_path / "x.xlsx", sheet_names=["年报"])


def test_error_workbook_marks_each_bad_cell(tmp_path, actor):
    sheets = small_ledger_sheets()
    sheets["企业"][1][0] = "91330683MA0000001X"
    sheets["企业"][2][3] = "中型"
    sheets["地块"][1][5] = "集体"  # G code says state
    sheets["年度数据"][1][1] = 2099
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=path, actor=actor)
    report = caught.value.report
    found = {(i.sheet, i.row, i.column) for i in report.issues.errors}
    assert {("企业", 2, "统一社会信用代码"), ("企业", 3, "规模"), ("地块", 2, "土地权属"),
            ("年度数据", 2, "年度")} <= found
    out = tmp_path / "errors.xlsx"
    write_error_workbook(path=out, report=report)
    listing = _sheet(out, "错误清单")
    assert listing.columns == ["级别", "工作表", "行号", "列", "值", "说明"]
    messages = listing.filter(pl.col("值") == "中型").get_column("说明").to_list()
    assert messages and "允许：规上、规下" in messages[0]
    copy = _sheet(out, "企业")
    assert copy.item(1, "规模") == "中型"  # the user's row 3 stays row 3
    with zipfile.ZipFile(out) as archive:
        assert any(n.startswith("xl/comments") for n in archive.namelist())


def test_export_then_import_round_trips_exactly(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    before = ledger_frames()
    out = tmp_path / "export.xlsx"
    counts = export_ledger(path=out)
    assert counts == {"园区": 2, "企业": 3, "地块": 3, "用地关系": 3, "年度数据": 4, "检查发现": 2, "地块沿革": 0}
    assert _sheet(out, "企业").item(0, "规模（规上/规下）") == "规上"
    report = import_workbook(path=out, actor=actor)
    assert all(v["created"] == 0 and v["updated"] == 0 for v in report.written.values()), report.written
    after = ledger_frames()
    for name in before:
        assert before[name].drop("id").equals(after[name].drop("id")), name


def test_edit_in_export_is_applied(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    out = tmp_path / "export.xlsx"
    export_ledger(path=out)
    frame = _sheet(out, "企业")
    frame = frame.with_columns(pl.when(pl.col("统一社会信用代码") == uscc(2)).then(pl.lit("规上"))
                               .otherwise(pl.col("规模（规上/规下）")).alias("规模（规上/规下）"))
    edited = tmp_path / "edited.xlsx"
    write_workbook(edited, {"企业": [frame.columns] + [list(r) for r in frame.iter_rows()]})
    report = import_workbook(path=edited, actor=actor)
    assert report.written["企业"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Enterprise.objects.get(credit_code=uscc(2)).scale == "above"


@pytest.mark.parametrize("content, message", [
    (b"", "不是 xlsx"),
    (b"name,value\n1,2\n", "不是 xlsx"),
    (b"PK\x03\x04garbage", "无法读取"),
])
def test_files_that_are_not_workbooks(tmp_path, actor, content, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        import_workbook(path=path, actor=actor)


def test_workbook_without_known_sheets(tmp_path, actor):
    path = write_workbook(tmp_path / "x.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=path, actor=actor)
    assert "没有可导入的工作表" in caught.value.report.issues.errors[0].message


def test_missing_required_column_and_aliases(tmp_path, actor):
    sheets = {"企业": [["社会信用代码", "名称", "企业规模"], [uscc(9), "某公司", "规下"]]}
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=write_workbook(tmp_path / "x.xlsx", sheets), actor=actor)
    errors = caught.value.report.issues.errors
    assert [(e.column, e.message) for e in errors] == [("所属园区编码", "缺少必填列")]
    assert Zone.objects.count() == 0


def test_formula_text_is_neutralised_in_exports(tmp_path, actor):
    sheets = small_ledger_sheets()
    sheets["企业"][1][1] = "=HYPERLINK(\"http://x\",\"点我\")"
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", sheets), actor=actor)
    out = tmp_path / "e.xlsx"
    export_ledger(path=out)
    with zipfile.ZipFile(out) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml


def test_zip_bomb_is_refused_before_parsing(tmp_path, actor):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(InputError, match="疑似压缩炸弹"):
        import_workbook(path=path, actor=actor)
