"""Issue 13 §2: the ledger export imports into an empty database unchanged, and import edge cases."""

import polars as pl
import pytest

from parkgov.demo.services import build_demo
from parkgov.errors import ImportRejected
from parkgov.ingest.export import export_ledger, ledger_frames
from parkgov.ingest.schema import SHEETS
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, YearlyFigure, Zone
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db

ID_COLUMNS = ("id", "zone_id", "parent_id", "enterprise_id", "parcel_id")


def _empty_ledger():
    for model in (Finding, YearlyFigure, LandLink, Parcel, Enterprise):
        model.objects.all().delete()
    while Zone.objects.exists():  # children first: parent is a protected reference
        Zone.objects.filter(children__isnull=True).delete()


def _comparable(frames):
    return {name: frame.drop([c for c in ID_COLUMNS if c in frame.columns]) for name, frame in frames.items()}


def test_demo_export_imports_into_empty_database_field_by_field(tmp_path, actor):
    """Issue 13: the demo export failed with 101 errors (作价出资（入股） after NFKC); now zero differences."""
    build_demo(enterprises=60, seed=7, actor=actor)
    before = _comparable(ledger_frames())
    assert sorted(before) == sorted(s.name for s in SHEETS if s.name in before) and len(before) == 6
    assert "share" in before["地块"].get_column("supply_method").to_list()
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
