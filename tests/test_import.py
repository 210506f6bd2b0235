"""Workbook import: all-or-nothing writes, upserts on natural keys, provenance and audit."""

import datetime as dt

import pytest

from parkgov.errors import ImportRejected
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, Submission, YearlyFigure, Zone
from parkgov.testing import YEARLY_HEADER, small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db(transaction=False)


def test_small_workbook_is_written_completely(tmp_path, actor):
    path = write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    report = import_workbook(path=path, actor=actor, department="economy")
    assert report.ok
    assert Zone.objects.get(code="SZ-XW1").parent.code == "SZ"
    assert Enterprise.objects.count() == 3
    parcel = Parcel.objects.get(code="SZ-0001")
    assert parcel.land_code == "330683001002GB00012"
    assert parcel.ownership == "state" and parcel.supply_status == "in_use"
    assert parcel.plot_ratio == pytest.approx(1.3)
    assert parcel.registered_area_mu == pytest.approx(30.0)
    assert LandLink.objects.filter(role="tenant").get().floor_area_m2 == 3000
    figure = YearlyFigure.objects.get(enterprise__credit_code=uscc(1), year=2024)
    assert figure.tax == pytest.approx(620.5)
    submission = Submission.objects.get()
    assert submission.file_name == "ledger.xlsx" and len(submission.file_sha256) == 64
    assert figure.provenance["tax"] == submission.pk
    assert "rd_expense" not in YearlyFigure.objects.get(enterprise__credit_code=uscc(3)).provenance
    assert Finding.objects.filter(enterprise__isnull=True).get().parcel.code == "SZ-0003"
    assert report.written["年度数据"] == {"created": 4, "updated": 0, "unchanged": 0}


def test_history_records_actor_and_reason(tmp_path, actor):
    path = write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    import_workbook(path=path, actor=actor)
    record = Enterprise.history.get(credit_code=uscc(1))
    assert record.history_type == "+"
    assert record.history_user == actor
    assert record.history_change_reason == "导入 ledger.xlsx"


def test_reimport_changes_only_what_changed_and_keeps_provenance(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    first = Submission.objects.get()
    sheets = {"年度数据": [YEARLY_HEADER[:3], [uscc(1), 2024, 700], [uscc(2), 2024, 18.2]]}
    report = import_workbook(path=write_workbook(tmp_path / "tax.xlsx", sheets), actor=actor, department="tax")
    assert report.written["年度数据"] == {"created": 0, "updated": 1, "unchanged": 1}
    figure = YearlyFigure.objects.get(enterprise__credit_code=uscc(1), year=2024)
    second = Submission.objects.latest("pk")
    assert figure.tax == 700 and figure.revenue == 15800  # blank column keeps the stored value
    assert figure.provenance["tax"] == second.pk and figure.provenance["revenue"] == first.pk
    history = list(YearlyFigure.history.filter(id=figure.pk).order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    delta = history[1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "tax"] == [("tax", 620.5, 700.0)]


def test_same_file_twice_changes_nothing(tmp_path, actor):
    path = write_workbook(tmp_path / "a.xlsx", small_ledger_sheets())
    import_workbook(path=path, actor=actor)
    report = import_workbook(path=path, actor=actor)
    assert all(v["created"] == 0 and v["updated"] == 0 for v in report.written.values())
    assert Finding.objects.count() == 2


def test_one_bad_cell_writes_nothing(tmp_path, actor):
    sheets = small_ledger_sheets()
    sheets["年度数据"][3][2] = "十八万"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=path, actor=actor)
    errors = caught.value.report.issues.errors
    assert [(e.sheet, e.row, e.column, e.value) for e in errors] == [("年度数据", 4, "评价税收（万元）", "十八万")]
    assert "不是有效数字" in errors[0].message
    assert Zone.objects.count() == 0 and Enterprise.objects.count() == 0 and Submission.objects.count() == 0


def test_dry_run_writes_nothing(tmp_path, actor):
    report = import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor,
                             dry_run=True)
    assert report.ok and report.rows["企业"] == 3
    assert Enterprise.objects.count() == 0


def test_references_to_stored_records_are_accepted(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    sheets = {"年度数据": [YEARLY_HEADER[:3], [uscc(2), 2025, 20.0]]}
    report = import_workbook(path=write_workbook(tmp_path / "b.xlsx", sheets), actor=actor)
    assert report.written["年度数据"]["created"] == 1


def test_units_in_headers_are_converted(tmp_path, actor):
    sheets = small_ledger_sheets()
    sheets["地块"][0][3] = "土地面积(亩)"
    sheets["地块"][1][3] = 30
    sheets["年度数据"][0][2] = "评价税收（元）"
    sheets["年度数据"][1][2] = 6_205_000
    import_workbook(path=write_workbook(tmp_path / "u.xlsx", sheets), actor=actor)
    assert Parcel.objects.get(code="SZ-0001").registered_area_m2 == pytest.approx(20000)
    assert YearlyFigure.objects.get(enterprise__credit_code=uscc(1), year=2024).tax == pytest.approx(620.5)


def test_dates_in_many_written_forms(tmp_path, actor):
    sheets = small_ledger_sheets()
    sheets["企业"][1][6] = "2012年5月1日"
    sheets["企业"][2][6] = "2016/3/1"
    sheets["企业"][3][6] = "20200102"
    import_workbook(path=write_workbook(tmp_path / "d.xlsx", sheets), actor=actor)
    starts = dict(Enterprise.objects.values_list("credit_code", "production_start"))
    assert starts == {uscc(1): dt.date(2012, 5, 1), uscc(2): dt.date(2016, 3, 1), uscc(3): dt.date(2020, 1, 2)}


def test_blank_required_cell_is_an_error_not_a_crash(tmp_path, actor):
    """Found by fuzzing: an empty-string credit code reached the database as NULL."""
    sheets = small_ledger_sheets()
    sheets["年度数据"][1][0] = ""
    sheets["年度数据"][2][0] = "   "
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=write_workbook(tmp_path / "b.xlsx", sheets), actor=actor)
    assert [(e.row, e.message) for e in caught.value.report.issues.errors] == [(2, "必填项为空"), (3, "必填项为空")]


def test_review_2_a_zone_sheet_that_loops_the_park_tree_is_rejected(tmp_path, actor):
    """A parent below the park itself, in the stored tree or only in the sheet: reported by row, nothing written."""
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    header = small_ledger_sheets()["园区"][0]
    sheets = {"园区": [header,
                       ["SZ-XW1-A", "三江小微企业园A区", "SZ-XW1", "小微企业园", "330683", None],
                       ["SZ-XW1", "三江小微企业园", "SZ-XW1-A", "小微企业园", "330683", None],
                       ["XW-N1", "新园一", "XW-N2", "小微企业园", "330683", None],
                       ["XW-N2", "新园二", "XW-N1", "小微企业园", "330683", None]]}
    with pytest.raises(ImportRejected) as caught:
        import_workbook(path=write_workbook(tmp_path / "loop.xlsx", sheets), actor=actor)
    errors = caught.value.report.issues.errors
    assert [(e.sheet, e.row, e.column, e.value) for e in errors] == [
        ("园区", 2, "上级园区编码", "SZ-XW1"), ("园区", 3, "上级园区编码", "SZ-XW1-A"),
        ("园区", 4, "上级园区编码", "XW-N2"), ("园区", 5, "上级园区编码", "XW-N1")]
    assert errors[1].message == \
        "上级园区 SZ-XW1-A 是园区 SZ-XW1 的下级园区，会形成循环（下级 → 上级）：SZ-XW1 → SZ-XW1-A → SZ-XW1"
    assert Zone.objects.get(code="SZ-XW1").parent.code == "SZ" and not Zone.objects.filter(code="SZ-XW1-A").exists()
