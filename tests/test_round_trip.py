"""Issue 13 §2: the ledger export imports into an empty database unchanged, and import edge cases."""

import datetime as dt

import polars as pl
import pytest

from parkgov.demo.services import build_demo
from parkgov.errors import ImportRejected
from parkgov.ingest.export import export_ledger, ledger_frames
from parkgov.ingest.schema import SHEETS
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, ParcelLineage, YearlyFigure, Zone
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db

ID_COLUMNS = ("id", "zone_id", "parent_id", "enterprise_id", "parcel_id", "child_id")


def _empty_ledger():
    for model in (Finding, YearlyFigure, LandLink, ParcelLineage, Parcel, Enterprise):
        model.objects.all().delete()
    while Zone.objects.exists():  # children first: parent is a protected reference
        Zone.objects.filter(children__isnull=True).delete()


def _comparable(frames):
    return {name: frame.drop([c for c in ID_COLUMNS if c in frame.columns]) for name, frame in frames.items()}


def test_demo_export_imports_into_empty_database_field_by_field(tmp_path, actor):
    """Issue 13: the demo export failed with 101 errors (作价出资（入股） after NFKC); now zero differences."""
    from django.contrib.auth import get_user_model

    from parkgov.demo.split_merge import build_split_merge

    build_demo(enterprises=60, seed=7, actor=actor)
    get_user_model().objects.create_superuser("round-trip-admin")  # the demo's split and merge run as an admin
    assert build_split_merge(seed=7, actor=actor, say=lambda *_: None)  # issue 17 §2: lineage, provisional codes
    _fill_finding_columns()
    before = _comparable(ledger_frames())
    assert set(before["检查发现"].get_column("rectifiable").drop_nulls()) == {"yes", "no"}
    assert sorted(before) == sorted(s.name for s in SHEETS if s.name in before) and len(before) == 7
    assert before["地块沿革"].height == 5 and set(before["地块沿革"].get_column("operation")) == {"split", "merge"}
    assert set(before["地块"].get_column("code_provisional")) == {"yes", "no"}
    assert "share" in before["地块"].get_column("supply_method").to_list()
    parcels = before["地块"]  # issue 14: the demo's building year, quality and land procedures go round too
    assert parcels.get_column("building_year").drop_nulls().len() > 0
    assert {"good", "fair"} <= set(parcels.get_column("building_quality").to_list())
    assert {"complete", "incomplete"} <= set(parcels.get_column("land_procedures").to_list())
    out = tmp_path / "ledger.xlsx"
    export_ledger(path=out)
    _empty_ledger()
    assert not Enterprise.objects.exists()
    report = import_workbook(path=out, actor=actor)
    assert report.ok
    after = _comparable(ledger_frames())
    for name, frame in before.items():
        assert frame.height > 0, name
        assert frame.columns == after[name].columns, name
        differences = []
        for column in frame.columns:
            left, right = frame.get_column(column), after[name].get_column(column)
            mismatch = ~left.eq_missing(right)
            if mismatch.any():
                differences.append((column, left.filter(mismatch).head(3).to_list(),
                                    right.filter(mismatch).head(3).to_list()))
        assert differences == [], name


def _fill_finding_columns():
    """Issue 14: the 检查发现 sheet's optional columns 法律依据, 整改期限, 可整改, 销号日期, filled on some rows."""
    first, second, third = Finding.objects.order_by("id")[:3]
    Finding.objects.filter(pk=first.pk).update(legal_basis="《中华人民共和国消防法》第十六条\n第二款", rectifiable=True,
                                               deadline=first.found_on + dt.timedelta(days=30), status="closed",
                                               closed_on=first.found_on)
    Finding.objects.filter(pk=second.pk).update(rectifiable=False, deadline=second.found_on, status="rectifying")
    Finding.objects.filter(pk=third.pk).update(legal_basis="《安全生产法》", rectifiable=None)


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"点我\")", "+86 公司", "-甲公司", "@某公司", "'=已带引号",
                                  "'甲公司", "O'Neil 公司", "''引号"])
def test_formula_guard_is_removed_on_import_and_other_apostrophes_kept(tmp_path, actor, name):
    """Issue 13: the ' the export puts before = + - @ came back into the database; other apostrophes stay."""
    sheets = small_ledger_sheets()
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", sheets), actor=actor)
    credit_code = sheets["企业"][1][0]
    Enterprise.objects.filter(credit_code=credit_code).update(name=name)
    out = tmp_path / "e.xlsx"
    export_ledger(path=out)
    _empty_ledger()
    import_workbook(path=out, actor=actor)
    assert Enterprise.objects.get(credit_code=credit_code).name == name


def test_workbook_with_headers_and_no_rows_is_rejected(tmp_path, actor):
    """Issue 13: a workbook with headers only was 'imported' silently; now 没有数据行, naming file and sheet."""
    sheets = {name: rows[:1] for name, rows in small_ledger_sheets().items() if name in ("企业", "园区")}
    path = write_workbook(tmp_path / "空表.xlsx", sheets)
    with pytest.raises(ImportRejected, match="没有数据行") as caught:
        import_workbook(path=path, actor=actor)
    assert "空表.xlsx" in str(caught.value) and "企业" in str(caught.value)
    assert [e.message for e in caught.value.report.issues.errors] == ["没有数据行", "没有数据行"]
    assert not Zone.objects.exists()


def test_one_empty_sheet_beside_filled_ones_is_fine(tmp_path, actor):
    """Issue 13: an export of a ledger without findings has an empty 检查发现 sheet; that alone is no error."""
    sheets = small_ledger_sheets()
    sheets["检查发现"] = sheets["检查发现"][:1]
    report = import_workbook(path=write_workbook(tmp_path / "a.xlsx", sheets), actor=actor)
    assert report.ok and report.rows["检查发现"] == 0


def test_web_import_job_of_headers_only_ends_rejected_naming_file_and_sheet(tmp_path, settings,
                                                                          django_capture_on_commit_callbacks):
    """Issue 13: the web import job of a workbook without data rows ends rejected with 没有数据行."""
    from parkgov.jobs.models import Job, JobStatus
    from parkgov.jobs.services import start_job

    from django.contrib.auth import get_user_model

    from parkgov.accounts.services import ensure_demo_accounts

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_demo_accounts()  # a web import runs as a user with a role (issue 14: the job applies its scope)
    user = get_user_model().objects.get(username="economy")
    path = write_workbook(tmp_path / "空表.xlsx", {"企业": small_ledger_sheets()["企业"][:1]})
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="import", title="导入", user=user, params={"path": str(path), "name": "空表.xlsx"})
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.REJECTED
    assert "空表.xlsx" in job.message and "「企业」" in job.message and "没有数据行" in job.message


def test_geometry_export_round_trips_into_parcels_without_geometry(tmp_path, actor):
    """Issue 13: `parkgov export geometry` of the demo, imported onto parcels without geometry, gives the shapes back."""
    import shapely

    from parkgov.ingest.gis import export_geometry, import_geometry

    build_demo(enterprises=60, seed=7, actor=actor)
    before = {code: bytes(wkb) for code, wkb in Parcel.objects.exclude(geometry=None).values_list("code", "geometry")}
    out = tmp_path / "parcels.gpkg"
    assert export_geometry(path=out) == len(before) > 0
    Parcel.objects.update(geometry=None)
    import_geometry(path=out, actor=actor)
    after = {code: bytes(wkb) for code, wkb in Parcel.objects.exclude(geometry=None).values_list("code", "geometry")}
    assert sorted(after) == sorted(before)
    def parts(wkb):  # the export writes MultiPolygon (a layer has one type): compare the polygons, exactly
        return [shapely.normalize(p).wkb for p in shapely.get_parts(shapely.from_wkb(wkb))]

    assert [code for code in before if parts(before[code]) != parts(after[code])] == []
