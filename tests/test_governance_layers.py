"""Issue 14 §2: reference layers imported from GPKG / GeoJSON / SHP in any CRS with their source, bad files named
down to the feature, replacement all-or-nothing; the parcel × planned-land-use overlay on crafted squares."""

import numpy as np
import pytest
import shapely
from django.db import connection
from typer.testing import CliRunner

from parkgov.errors import ImportRejected, InputError
from parkgov.governance.layer_commands import layer_app
from parkgov.governance.layers import import_layer
from parkgov.governance.models import ReferenceFeature, ReferenceLayer
from parkgov.governance.overlay import is_industrial, planned_use_shares
from parkgov.ingest.services import file_sha256
from parkgov.ledger import geometry
from parkgov.testing import write_layer_file

pytestmark = pytest.mark.django_db
SOURCE = "嵊州市国土空间总体规划（2021—2035年）用地布局，市自然资源和规划局提供"


def _squares():
    return [shapely.box(120.80, 29.60, 120.81, 29.61), shapely.box(120.81, 29.60, 120.82, 29.61)]


def _planned(path, crs="EPSG:4490", codes=("100101", "0701"), geoms=None):
    geoms = geoms or _squares()
    if crs != "EPSG:4490":
        geoms = list(geometry.transform(geoms, "EPSG:4490", crs))
    return write_layer_file(path, geoms, {"用地用海分类": list(codes), "名称": ["工业片区", "居住片区"][:len(geoms)]},
                            crs=crs)


def test_gpkg_in_gauss_kruger_is_transformed_and_kept_with_its_source(tmp_path, actor):
    path = _planned(tmp_path / "规划.gpkg", crs="EPSG:4549")
    report = import_layer(path=path, code="plan-2035", name="国土空间规划用地", kind="planned_land_use", source=SOURCE,
                          verified=True, actor=actor)
    layer = ReferenceLayer.objects.get(code="plan-2035")
    assert report.features == 2 and layer.features == 2 and layer.verified and layer.source == SOURCE
    assert layer.file_name == "规划.gpkg" and layer.file_sha256 == file_sha256(path) and layer.actor == actor
    rows = list(layer.feature_rows.order_by("id"))
    assert [r.land_use_code for r in rows] == ["100101", "0701"] and rows[0].name == "工业片区"
    assert rows[0].min_x == pytest.approx(120.80, abs=1e-6) and rows[0].max_y == pytest.approx(29.61, abs=1e-6)
    assert rows[0].attributes["用地用海分类"] == "100101"
    assert layer.history.latest("history_id").history_user == actor


def test_geojson_river_in_wgs84(tmp_path, actor):
    line = shapely.LineString([(120.79, 29.59), (120.83, 29.62)])
    path = write_layer_file(tmp_path / "river.geojson", [line], {"name": ["剡溪"]}, crs="EPSG:4326")
    import_layer(path=path, code="river", name="剡溪", kind="river", source="浙江省水利普查河道矢量（2023）", actor=actor)
    feature = ReferenceFeature.objects.get(layer__code="river")
    assert feature.name == "剡溪" and feature.land_use_code == ""
    assert shapely.from_wkb(bytes(feature.geometry)).geom_type == "LineString"
    assert feature.min_x == pytest.approx(120.79, abs=1e-5)  # WGS 84 and CGCS2000 agree to centimetres


def test_shapefile_is_read(tmp_path, actor):
    """Shapefile field names hold 10 bytes: the standard's pinyin initials YDYHFLDM are recognised."""
    path = write_layer_file(tmp_path / "plan.shp", _squares(), {"YDYHFLDM": ["1001", "1401"], "MC": ["a", "b"]})
    import_layer(path=path, code="plan", name="规划", kind="planned_land_use", source=SOURCE, actor=actor)
    assert sorted(ReferenceFeature.objects.values_list("land_use_code", flat=True)) == ["1001", "1401"]


@pytest.mark.parametrize("codes,geoms,expected", [
    (("100101", "9999"), None, "plan.gpkg 图层「plan」第2个要素「用地用海分类」：值“9999”不是"),
    (("100101", ""), None, "第2个要素「用地用海分类」：值为空"),
    (("100101", "0701"), [shapely.box(120.8, 29.6, 120.81, 29.61),
                          shapely.Polygon([(120.8, 29.6), (120.81, 29.61), (120.81, 29.6), (120.8, 29.61)])],
     "第2个要素：图形无效（Self-intersection"),
])
def test_bad_features_are_named_and_nothing_is_written(tmp_path, actor, codes, geoms, expected):
    path = _planned(tmp_path / "plan.gpkg", codes=codes, geoms=geoms)
    with pytest.raises(ImportRejected) as caught:
        import_layer(path=path, code="plan", name="规划", kind="planned_land_use", source=SOURCE, actor=actor)
    assert expected in str(caught.value), str(caught.value)
    assert "原有图层保持不变" in str(caught.value)
    issue = caught.value.report.issues.errors[0]  # the API's error details name the layer and feature number
    assert (issue.sheet, issue.row) == ("plan", 2)
    assert not ReferenceLayer.objects.exists() and not ReferenceFeature.objects.exists()


def test_bad_files_and_arguments_are_explained(tmp_path, actor):
    def run(path, **kwargs):
        args = dict(code="plan", name="规划", kind="planned_land_use", source=SOURCE) | kwargs
        with pytest.raises(InputError) as caught:
            import_layer(path=path, actor=actor, **args)
        return str(caught.value)

    good = _planned(tmp_path / "plan.gpkg")
    assert "图层类型“lake”无效" in run(good, kind="lake") and "river（河流水系）" in run(good, kind="lake")
    assert "请写明图层来源" in run(good, source="")
    assert "图层编码“Plan A”无效" in run(good, code="Plan A")
    no_code = write_layer_file(tmp_path / "x.gpkg", _squares(), {"名称": ["a", "b"]})
    assert "没有用地用海分类代码字段" in run(no_code) and "现有字段：名称" in run(no_code)
    line = write_layer_file(tmp_path / "line.gpkg", [shapely.LineString([(120.8, 29.6), (120.9, 29.7)])],
                            {"用地用海分类": ["1001"]})
    with pytest.raises(ImportRejected) as caught:
        import_layer(path=line, actor=actor, code="p", name="p", kind="planned_land_use", source=SOURCE)
    assert "图形类型为 LineString，此类图层应为面" in str(caught.value)
    no_crs = write_layer_file(tmp_path / "nocrs.gpkg", _squares(), {"用地用海分类": ["1001", "1001"]}, crs=None)
    assert "没有声明坐标系" in run(no_crs)
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a geopackage")
    assert run(junk).startswith("无法读取图形文件 junk.gpkg")
    assert "不支持的图形格式 .txt" in run(tmp_path / "a.txt") or "文件不存在" in run(tmp_path / "a.txt")
    far = write_layer_file(tmp_path / "far.gpkg", [shapely.box(0.5, 0.5, 0.6, 0.6)], {"用地用海分类": ["1001"]})
    with pytest.raises(ImportRejected) as caught:
        import_layer(path=far, actor=actor, code="p", name="p", kind="planned_land_use", source=SOURCE)
    assert "第1个要素：转换到 CGCS2000 后坐标不在中国范围内" in str(caught.value)


def test_replacing_a_layer_is_all_or_nothing(tmp_path, actor):
    args = dict(code="plan", name="规划", kind="planned_land_use", source=SOURCE, actor=actor)
    import_layer(path=_planned(tmp_path / "a.gpkg"), **args)
    first_ids = set(ReferenceFeature.objects.values_list("id", flat=True))
    with pytest.raises(ImportRejected):
        import_layer(path=_planned(tmp_path / "bad.gpkg", codes=("1001", "XX")), **args)
    assert set(ReferenceFeature.objects.values_list("id", flat=True)) == first_ids
    three = [shapely.box(120.80 + i / 100, 29.60, 120.81 + i / 100, 29.61) for i in range(3)]
    path = write_layer_file(tmp_path / "b.gpkg", three, {"用地用海分类": ["1001", "1001", "1401"]})
    import_layer(path=path, **(args | {"name": "规划（修编）"}))
    layer = ReferenceLayer.objects.get()
    assert layer.features == 3 and layer.name == "规划（修编）" and layer.file_sha256 == file_sha256(path)
    assert ReferenceFeature.objects.count() == 3 and not first_ids & set(ReferenceFeature.objects.values_list("id",
                                                                                                            flat=True))
    assert layer.history.count() == 2


def test_cli_imports_and_lists(tmp_path, actor):
    path = _planned(tmp_path / "plan.gpkg")
    runner = CliRunner()
    result = runner.invoke(layer_app, ["import", str(path), "--code", "plan", "--name", "规划用地", "--kind",
                                       "planned_land_use", "--source", SOURCE, "--verified"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "已导入参考图层「规划用地」（plan）：2 个要素" in result.output
    listing = runner.invoke(layer_app, ["list"], env={"COLUMNS": "200"})
    assert "plan" in listing.output and "规划用地" in listing.output and "是" in listing.output
    bad = runner.invoke(layer_app, ["import", str(path), "--code", "x", "--name", "x", "--kind", "lake",
                                    "--source", SOURCE])
    assert isinstance(bad.exception, InputError) and "图层类型“lake”无效" in str(bad.exception)


def test_overlay_shares_on_crafted_squares():
    """A 100 m parcel half on industrial plan, one inside residential, one straddling two industrial polygons."""
    lat = 29.6
    dx, dy = 100 / (111_320 * np.cos(np.radians(lat))), 100 / 110_574
    lon = 120.8
    planned = [shapely.box(lon - 1 * dx, lat - dy, lon + 0.5 * dx, lat + 3 * dy),  # industrial (100101)
               shapely.box(lon + 0.5 * dx, lat - dy, lon + 3 * dx, lat + 1.5 * dy),  # residential (0701)
               shapely.box(lon + 0.5 * dx, lat + 1.5 * dy, lon + 3 * dx, lat + 3 * dy)]  # industrial (1001)
    parcels = [shapely.box(lon, lat, lon + dx, lat + dy),  # half industrial, half residential
               shapely.box(lon + 1.5 * dx, lat, lon + 2.5 * dx, lat + dy),  # all residential
               shapely.box(lon + 1 * dx, lat + 1 * dy, lon + 2 * dx, lat + 2 * dy),  # half residential, half 1001
               shapely.box(lon - 0.5 * dx, lat + 1.5 * dy, lon + 0.25 * dx, lat + 2.5 * dy),  # inside industrial
               None, shapely.box(lon + 10 * dx, lat, lon + 11 * dx, lat + dy)]  # no geometry; outside the plan
    shares = planned_use_shares(parcels, planned, ["100101", "0701", "1001"], industrial_codes=["1001"])
    assert shares[:4] == pytest.approx([0.5, 0.0, 0.5, 1.0], abs=1e-4)  # lon/lat halves, equal-area plane
    assert np.isnan(shares[4]) and shares[5] == 0.0
    only_class_one = planned_use_shares(parcels, planned, ["100101", "0701", "1001"], industrial_codes=["100101"])
    assert only_class_one[:4] == pytest.approx([0.5, 0.0, 0.0, 1.0], abs=1e-4)
    assert list(is_industrial(["100101", "1002", "", "10"], ["1001"])) == [True, False, False, False]
    assert np.isnan(planned_use_shares([None], planned, ["1001"] * 3, industrial_codes=["1001"])[0])


@pytest.mark.postgis
def test_postgis_column_on_reference_features(tmp_path, actor):
    assert connection.vendor == "postgresql", "this test belongs to the PostgreSQL pass"
    import_layer(path=_planned(tmp_path / "p.gpkg"), code="p", name="p", kind="planned_land_use", source=SOURCE,
                 actor=actor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_SRID(geom), ST_Area(geom::geography) FROM governance_referencefeature ORDER BY id")
        rows = cursor.fetchall()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'governance_referencefeature' "
                       "AND indexdef LIKE '%gist%'")
        index = cursor.fetchone()[0]
    assert rows[0][0] == 4490 and rows[0][1] == pytest.approx(geometry.projected_areas(_squares()[:1])[0], rel=2e-3)
    assert "USING gist (geom)" in index
