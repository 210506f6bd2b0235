"""Fuzzing the importers with hypothesis: any input gives a report or a Chinese error, never a crash."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.gis import import_geometry
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Submission, YearlyFigure
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db

CELL = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", " ", "=1+1", "+86", "-", "@SUM(A1)", "NaN", "inf", "-inf", "1e309", "12.5%", "１２３",
                     "1,234.5", "2024年13月40日", "0", "-5", "99999999999999999999", "３３０６８３",
                     "\u0000", "\t", "国有", "规上", "91110000600037341L", "2024-02-30"]),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _clean(value):
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")  # XML cannot hold control characters
    return value


@FUZZ
@given(data=st.data())
def test_random_cells_never_crash_the_importer(tmp_path_factory, actor, data):
    sheets = small_ledger_sheets()
    name = data.draw(st.sampled_from(sorted(sheets)))
    rows = sheets[name]
    for _ in range(data.draw(st.integers(1, 6))):
        r = data.draw(st.integers(0, len(rows) - 1))
        c = data.draw(st.integers(0, len(rows[0]) - 1))
        rows[r][c] = _clean(data.draw(CELL))
    path = write_workbook(tmp_path_factory.mktemp("fuzz") / "f.xlsx", sheets)
    before = (Enterprise.objects.count(), YearlyFigure.objects.count(), Submission.objects.count())
    try:
        report = import_workbook(path=path, actor=actor)
    except ImportRejected as exc:
        assert exc.report.issues.errors
        for issue in exc.report.issues.errors:
            assert issue.sheet and issue.row >= 1 and issue.message
        assert (Enterprise.objects.count(), YearlyFigure.objects.count(), Submission.objects.count()) == before
    except InputError as exc:
        assert str(exc)
    else:
        assert report.ok


@FUZZ
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".xlsx", ".gpkg", ".geojson", ".shp"]))
def test_random_bytes_are_refused_cleanly(tmp_path_factory, actor, content, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"x{suffix}"
    path.write_bytes(content)
    with pytest.raises((InputError, ImportRejected)):
        if suffix == ".xlsx":
            import_workbook(path=path, actor=actor)
        else:
            import_geometry(path=path, actor=actor)
