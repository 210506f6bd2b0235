"""GIS import and export: join by code, CRS transform, invalid geometry reported, nothing repaired."""

import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.gis import export_geometry, import_geometry
from parkgov.ingest.services import import_workbook
from parkgov.ledger import geometry
from parkgov.ledger.models import Parcel
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db


def _square(lon, lat, side_m):
    """A square of side `side_m` metres at (lon, lat) in EPSG:4490 (local approximation)."""
    dx = side_m / (111320 * np.cos(np.radians(lat)))
    dy = side_m / 110574
    return Polygon([(lon, lat), (lon + dx, lat), (lon + dx, lat + dy), (lon, lat + dy)])


def _write(path, geoms, codes, field="地块编码", crs="EPSG:4490", encoding="UTF-8"):
    pyogrio.raw.write(str(path), geometry=np.asarray(shapely.to_wkb(geoms), dtype=object),
                      field_data=[np.asarray(codes, dtype=object)], fields=[field], crs=crs,
                      geometry_type="Polygon", encoding=encoding)
    return path


@pytest.fixture
def ledger(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=actor)


def test_geojson_in_projected_crs_is_transformed_and_areas_computed(tmp_path, actor, ledger):
    square = _square(120.8, 29.6, 141.421356)  # ≈ 20,000 m²
    projected = geometry.transform([square], "EPSG:4490", "EPSG:4549")
    path = _write(tmp_path / "p.geojson", projected, ["SZ-0001"], crs="EPSG:4549")
    report = import_geometry(path=path, actor=actor)
    assert report.written == {"地块": 1}
    parcel = Parcel.objects.get(code="SZ-0001")
    assert parcel.computed_area_m2 == pytest.approx(20000, rel=0.01)
    assert parcel.min_x == pytest.approx(120.8, abs=1e-6) and parcel.min_y == pytest.approx(29.6, abs=1e-6)
    assert Parcel.history.filter(code="SZ-0001").latest("history_id").history_change_reason.startswith("导入图形")


def test_join_by_land_code_in_gpkg(tmp_path, actor, ledger):
    path = _write(tmp_path / "p.gpkg", [_square(120.81, 29.61, 50)], ["330683001002gb00012"], field="ZDDM")
    import_geometry(path=path, actor=actor)
    assert Parcel.objects.get(code="SZ-0001").computed_area_m2 == pytest.approx(2500, rel=0.01)


def test_invalid_geometry_is_reported_not_repaired(tmp_path, actor, ledger):
    bowtie = Polygon([(120.8, 29.6), (120.81, 29.61), (120.81, 29.6), (120.8, 29.61)])
    path = _write(tmp_path / "bad.gpkg", [bowtie, _square(120.8, 29.6, 30)], ["SZ-0002", "SZ-9999"])
    with pytest.raises(ImportRejected) as caught:
        import_geometry(path=path, actor=actor)
    messages = [(i.row, i.value, i.message) for i in caught.value.report.issues.errors]
    assert messages[0][:2] == (1, "SZ-0002") and "图形无效" in messages[0][2] and "不自动修复" in messages[0][2]
    assert messages[1][:2] == (2, "SZ-9999") and "台账中没有" in messages[1][2]
    assert Parcel.objects.filter(geometry__isnull=False).count() == 0


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_gbk_shapefile_without_crs(tmp_path, actor, ledger):
    path = _write(tmp_path / "nocrs.shp", [_square(120.8, 29.6, 30)], ["SZ-0001"], crs=None, encoding="GBK")
    with pytest.raises(InputError, match="没有声明坐标系"):
        import_geometry(path=path, actor=actor, encoding="GBK")
    assert import_geometry(path=path, actor=actor, crs="EPSG:4490", encoding="GBK").written == {"地块": 1}


def test_export_geopackage_readable_with_attributes(tmp_path, actor, ledger):
    _write(tmp_path / "p.gpkg", [_square(120.8, 29.6, 100), _square(120.9, 29.7, 60)], ["SZ-0001", "SZ-0003"])
    import_geometry(path=tmp_path / "p.gpkg", actor=actor)
    out = tmp_path / "out.gpkg"
    assert export_geometry(path=out) == 2
    meta, _fids, wkb, values = pyogrio.raw.read(str(out))
    assert meta["crs"] == "EPSG:4490" and meta["geometry_type"] == "MultiPolygon"
    fields = list(meta["fields"])
    assert list(values[fields.index("地块编码")]) == ["SZ-0001", "SZ-0003"]
    assert list(values[fields.index("土地权属")]) == ["国有", "集体"]
    assert shapely.area(shapely.from_wkb(wkb[0])) > 0


def test_zone_boundaries_join_by_zone_code(tmp_path, actor, ledger):
    from parkgov.ledger.models import Zone

    path = _write(tmp_path / "zones.geojson", [_square(120.7, 29.5, 3000)], ["SZ"], field="园区编码")
    assert import_geometry(path=path, actor=actor).written == {"园区": 1}
    zone = Zone.objects.get(code="SZ")
    assert zone.geometry is not None and zone.max_x > zone.min_x


def _geojson(path, features):
    import json

    path.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::4490"}}, "features": [
        {"type": "Feature", "properties": {"地块编码": code}, "geometry": {"type": kind, "coordinates": coords}}
        for code, kind, coords in features]}, ensure_ascii=False), encoding="utf-8")
    return path


UNCLOSED = [[[120.8, 29.6], [120.81, 29.6], [120.81, 29.61], [120.8, 29.61]]]


def test_unclosed_ring_is_a_clear_error_naming_feature_and_code(tmp_path, actor, ledger):
    """issue 13: an unclosed ring raised GEOSException (CLI exit 3); now a Chinese issue per feature, nothing written."""
    closed = [UNCLOSED[0] + [UNCLOSED[0][0]]]
    path = _geojson(tmp_path / "open.geojson", [("SZ-0001", "Polygon", closed), ("SZ-0002", "Polygon", UNCLOSED),
                                                 ("SZ-0003", "Polygon", [UNCLOSED[0][:2] + [UNCLOSED[0][0]]])])
    with pytest.raises(ImportRejected, match="open.geojson") as caught:
        import_geometry(path=path, actor=actor)
    errors = [(i.row, i.value, i.message) for i in caught.value.report.issues.errors]
    assert [e[:2] for e in errors] == [(2, "SZ-0002"), (3, "SZ-0003")]
    assert "第2个要素" in errors[0][2] and "首尾不闭合" in errors[0][2]
    assert "图形无效" in errors[1][2] and "Too few points" in errors[1][2]
    assert Parcel.objects.filter(geometry__isnull=False).count() == 0


def test_unclosed_ring_web_job_is_rejected_with_the_message(tmp_path, actor, ledger,
                                                           django_capture_on_commit_callbacks):
    """issue 13: the web import job ends REJECTED with the feature's message (not FAILED with a traceback)."""
    from parkgov.jobs.models import JobStatus
    from parkgov.jobs.services import start_job

    path = _geojson(tmp_path / "open.geojson", [("SZ-0002", "Polygon", UNCLOSED)])
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="import", title="导入", user=actor, params={"path": str(path), "name": "我的地块.geojson"})
    job.refresh_from_db()
    assert job.status == JobStatus.REJECTED
    assert "首尾不闭合" in job.result["issues"][0]["message"] and job.result["issues"][0]["value"] == "SZ-0002"
    assert Parcel.objects.filter(geometry__isnull=False).count() == 0
