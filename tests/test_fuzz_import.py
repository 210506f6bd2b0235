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


COORD = st.lists(st.one_of(st.floats(-200, 200, allow_nan=False), st.sampled_from([120.8, 29.6, 1e300, -0.0])),
                 min_size=0, max_size=3)
RING = st.lists(COORD, min_size=0, max_size=6)
GEOMETRY = st.one_of(
    st.builds(lambda rings: {"type": "Polygon", "coordinates": rings}, st.lists(RING, max_size=3)),
    st.builds(lambda polys: {"type": "MultiPolygon", "coordinates": polys}, st.lists(st.lists(RING, max_size=2),
                                                                                     max_size=2)),
    st.builds(lambda line: {"type": "LineString", "coordinates": line}, RING),
    st.builds(lambda point: {"type": "Point", "coordinates": point}, COORD),
    st.none(),
)


@FUZZ
@given(features=st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=12), st.just("SZ-0001")), GEOMETRY),
                         min_size=1, max_size=5),
       suffix=st.sampled_from([".geojson", ".gpkg", ".shp"]))
def test_random_geometries_never_crash_the_gis_import(tmp_path_factory, actor, features, suffix):
    """issue 13: malformed GeoJSON/GPKG/SHP geometries (unclosed rings, too few points, wrong types) are errors."""
    import json

    import pyogrio

    from parkgov.ledger.models import Parcel

    folder = tmp_path_factory.mktemp("gis")
    source = folder / "f.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::4490"}}, "features": [
        {"type": "Feature", "properties": {"地块编码": _clean(code)}, "geometry": geometry}
        for code, geometry in features]}, ensure_ascii=False), encoding="utf-8")
    path = source
    if suffix != ".geojson":
        try:  # GDAL itself refuses some of these; what it writes must then import cleanly
            meta, _fids, wkb, values = pyogrio.raw.read(str(source))
            path = folder / f"f{suffix}"
            pyogrio.raw.write(str(path), geometry=wkb, field_data=values, fields=meta["fields"], crs="EPSG:4490",
                              geometry_type="Unknown" if suffix == ".gpkg" else "Polygon", encoding="UTF-8")
        except Exception:
            path = source
    try:
        report = import_geometry(path=path, actor=actor)
    except ImportRejected as exc:
        assert exc.report.issues.errors and path.name in str(exc)
        assert all(issue.row >= 1 and issue.message for issue in exc.report.issues.errors)
        assert Parcel.objects.filter(geometry__isnull=False).count() == 0
    except InputError as exc:
        assert str(exc)
    else:
        assert report.written
