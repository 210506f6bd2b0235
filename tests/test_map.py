"""一张图: vector tiles of parcels and zones (features, properties, scope, low-zoom rules, bad tile numbers, gzip),
the parcel card's properties (by id and by point) and the map page, on whichever database PARKGOV_DATABASE_URL names; a Chromium pass
draws the map and clicks a parcel at a detailed and at a generalised zoom."""

import gzip
import os

import mapbox_vector_tile
from mapbox_vector_tile.Mapbox import vector_tile_pb2
import numpy as np
import polars as pl
import pyogrio
import pytest
import shapely
from django.contrib.auth import get_user_model
from django.db import connection
from shapely.geometry import Polygon

from parkgov.accounts.models import Profile
from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.evaluation.services import adjust_class
from parkgov.ingest.gis import import_geometry
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.ledger.services import attach_geometry
from parkgov.spatial import mvt, overview, tile_cache, tile_data
from parkgov.spatial.tiles import lonlat_to_tile, tile_box
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db

SQUARES = {"SZ-0001": (120.786, 29.600, 141.42), "SZ-0002": (120.792, 29.603, 81.65),
           "SZ-0003": (120.798, 29.601, 54.77)}  # south-west corner and side (m): 20,000, 6,667 and 3,000 m²
ZONES = {"SZ": (120.78, 29.59, 3000), "SZ-XW1": (120.790, 29.602, 400)}
Z = 14  # one tile at this zoom holds all three parcels
LOW = 12  # a generalised zoom (overview.MAX_ZOOM): colour properties only, extent 1024


def _square(lon, lat, side_m):
    """A square of about `side_m` metres with its south-west corner at (lon, lat), as WKB in EPSG:4490."""
    d_lat = side_m / 110_574
    d_lon = side_m / (111_320 * np.cos(np.radians(lat)))
    return shapely.to_wkb(shapely.box(lon, lat, lon + d_lon, lat + d_lat))


def _run(year, *, zone=None, classes, tiers=None):
    """A stored evaluation run with the given final classes (and tiers) by credit code."""
    run = EvaluationRun.objects.create(year=year, ruleset_id="map-test", ruleset_version=1, ruleset_hash="x",
                                       ruleset_name=f"测试规则 {year}", zone=zone, input_hash="x")
    for code, klass in classes.items():
        EvaluationResult.objects.create(run=run, enterprise=Enterprise.objects.get(credit_code=code),
                                        class_original=klass, class_final=klass, tier=(tiers or {}).get(code, ""))
    return run


@pytest.fixture
def ledger(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=actor)
    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": list(SQUARES),
                                                      "wkb": [_square(*v) for v in SQUARES.values()]}))
    attach_geometry(model=Zone, frame=pl.DataFrame({"code": list(ZONES), "wkb": [_square(*v) for v in ZONES.values()]}))
    a, b = uscc(1), uscc(2)
    _run(2024, classes={a: "D", b: "D"})
    _run(2025, classes={a: "B", b: "C"}, tiers={b: "重点检查"})
    _run(2025, zone=Zone.objects.get(code="SZ"), classes={a: "A", b: "A"})  # a zone's own run is not shown


def _user(username, *, role=None, zones=(), superuser=False):
    user = get_user_model().objects.create_user(username=username, password="x", is_superuser=superuser)
    if role:
        profile = Profile.objects.create(user=user, role=role)
        profile.zones.set(Zone.objects.filter(code__in=zones))
    return user


@pytest.fixture
def admin_client(client, ledger):
    client.force_login(_user("map-admin", superuser=True))
    return client


def _tile_xy(z=Z):
    tiles = {lonlat_to_tile(lon, lat, z) for lon, lat, _side in SQUARES.values()}
    assert len(tiles) == 1, tiles
    return tiles.pop()


def _decode(client, layer, z=Z, xy=None):
    x, y = xy or _tile_xy(z)
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf")
    assert response.status_code in (200, 204), response.content
    if response.status_code == 204:
        return {}
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "max-age" in response["Cache-Control"] and "private" in response["Cache-Control"]
    layers = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    codes = dict(Parcel.objects.values_list("id", "code")) if layer == "parcels" else {}
    features = {}
    for feature, has_id in zip(layers[layer]["features"], _has_ids(response.content)):
        if has_id:
            features[feature["properties"].get("code") or codes[feature["id"]]] = feature
        else:  # tiny parcels drawn as boxes, one feature per colour: which parcel each box is, the map asks
            features |= _boxes_found(client, feature, z, x, y, layers[layer]["extent"])
    return features


def _has_ids(tile: bytes) -> list:
    """Whether each feature of the tile's only layer has an id (the decoder gives 0 for an absent one)."""
    message = vector_tile_pb2.tile()
    message.ParseFromString(tile)
    return [feature.HasField("id") for feature in message.layers[0].features]


def _boxes_found(client, feature, z, x, y, extent) -> dict:
    """Code → the box of a feature without id, found as the map finds it: the parcel at the box's centre."""
    geometry = feature["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    found = {}
    for rings in polygons:
        centre_x, centre_y = np.mean(rings[0][:-1], axis=0) / extent
        n = 2 ** z
        lon = (x + centre_x) / n * 360 - 180
        lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (y + centre_y) / n))))
        answer = client.get("/tiles/parcels/at.json", {"lon": lon, "lat": lat, "z": z})
        assert answer.status_code == 200, answer.content
        found[answer.json()["code"]] = {"id": None, "properties": feature["properties"],
                                        "geometry": {"type": "Polygon", "coordinates": rings}}
    return found


def test_parcel_tile_has_each_parcel_with_its_properties(admin_client):
    features = _decode(admin_client, "parcels")
    assert set(features) == set(SQUARES)
    first = features["SZ-0001"]
    assert first["id"] == Parcel.objects.get(code="SZ-0001").pk
    assert first["properties"] == {"code": "SZ-0001", "land_code": "330683001002GB00012", "zone": "SZ",
                                   "supply_status": "in_use", "ownership": "state", "area_mu": 20000 * 15 / 10000,
                                   "class": "B", "finding": "minor"}
    second = features["SZ-0002"]["properties"]
    assert second["zone"] == "SZ-XW1" and "land_code" not in second
    assert second["area_mu"] == 6666.67 * 15 / 10000
    assert (second["class"], second["tier"]) == ("C", "重点检查")
    third = features["SZ-0003"]["properties"]  # no holder: no class
    assert third["ownership"] == "collective" and third["supply_status"] == "idle" and "class" not in third
    assert features["SZ-0001"]["geometry"]["type"] == "Polygon"


def test_parcel_outline_is_in_the_right_place(admin_client):
    x, y = _tile_xy()
    ring = _decode(admin_client, "parcels")["SZ-0001"]["geometry"]["coordinates"][0]
    lon, lat, _side = SQUARES["SZ-0001"]
    n = 2 ** Z
    expected_x = ((lon + 180) / 360 * n - x) * mvt.EXTENT
    expected_y = ((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n - y) * mvt.EXTENT
    assert min(p[0] for p in ring) == pytest.approx(expected_x, abs=1)
    assert max(p[1] for p in ring) == pytest.approx(expected_y, abs=1)  # south-west corner: largest y (y down)
    assert len(ring) == 5


def test_tiles_follow_a_class_adjustment_and_new_geometry(admin_client, actor, tmp_path):
    url = "/tiles/parcels/{}/{}/{}.pbf".format(Z, *_tile_xy())
    etag = admin_client.get(url)["ETag"]
    revalidated = admin_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert _decode(admin_client, "parcels")["SZ-0001"]["properties"]["class"] == "B"
    result = EvaluationResult.objects.get(run__year=2025, run__zone=None, enterprise__credit_code=uscc(1))
    adjust_class(result=result, new_class="A", reason="技改项目已投产，经管委会研究调档", actor=actor)
    assert admin_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert _decode(admin_client, "parcels")["SZ-0001"]["properties"]["class"] == "A"
    moved = tmp_path / "moved.geojson"  # SZ-0003 redrawn far from the tile
    pyogrio.raw.write(str(moved), geometry=np.array([_square(120.70, 29.50, 60)], dtype=object),
                      field_data=[np.array(["SZ-0003"], dtype=object)], fields=["地块编码"], crs="EPSG:4490",
                      geometry_type="Polygon")
    import_geometry(path=moved, actor=actor)
    assert set(_decode(admin_client, "parcels")) == {"SZ-0001", "SZ-0002"}


def test_zone_tile(admin_client):
    features = _decode(admin_client, "zones")
    assert features["SZ"]["properties"] == {"code": "SZ", "name": "嵊州经济开发区", "kind": "development_zone"}
    assert features["SZ-XW1"]["properties"]["parent"] == "SZ"


def test_tile_in_the_gap_of_a_multipolygon_is_empty(admin_client):
    parts = [shapely.from_wkb(_square(120.70, 29.50, 300)), shapely.from_wkb(_square(120.90, 29.70, 300))]
    attach_geometry(model=Zone, frame=pl.DataFrame({"code": ["SZ-XW1"],
                                                    "wkb": [shapely.to_wkb(shapely.MultiPolygon(parts))]}))
    gap = lonlat_to_tile(120.80, 29.60, 12)
    assert "SZ-XW1" not in _decode(admin_client, "zones", z=12, xy=gap)
    corner = lonlat_to_tile(120.701, 29.501, 12)
    assert _decode(admin_client, "zones", z=12, xy=corner)["SZ-XW1"]["geometry"]["type"] == "Polygon"


def test_park_restricted_user_gets_only_their_parks(client, ledger):
    client.force_login(_user("nr", role="natural_resources", zones=["SZ-XW1"]))
    parcels = _decode(client, "parcels")
    assert set(parcels) == {"SZ-0002"}
    assert "tier" not in parcels["SZ-0002"]["properties"]  # this role does not see tax figures
    assert set(_decode(client, "zones")) == {"SZ-XW1"}


def test_tiny_polygons_are_left_out_at_low_zoom(admin_client):
    assert _decode(admin_client, "parcels", z=8) == {}  # 50–140 m squares are under a pixel
    assert set(_decode(admin_client, "parcels", z=11)) == set(SQUARES)


def test_low_zoom_tile_carries_the_colour_properties_and_valid_outlines(admin_client):
    x, y = _tile_xy(LOW)
    response = admin_client.get(f"/tiles/parcels/{LOW}/{x}/{y}.pbf")
    layer = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})["parcels"]
    assert layer["extent"] == overview.EXTENT == 1024
    features = _decode(admin_client, "parcels", z=LOW)
    assert set(features) == set(SQUARES)
    assert features["SZ-0001"]["id"] == Parcel.objects.get(code="SZ-0001").pk
    assert features["SZ-0001"]["properties"] == {"supply_status": "in_use", "zone": "SZ", "class": "B",
                                                 "finding": "minor"}
    assert features["SZ-0002"]["properties"] == {"supply_status": "in_use", "zone": "SZ-XW1", "class": "C",
                                                 "tier": "重点检查"}
    assert features["SZ-0003"]["properties"] == {"supply_status": "idle", "zone": "SZ", "finding": "serious"}
    n = 2 ** LOW
    for code, (lon, lat, side) in SQUARES.items():
        outline = Polygon(features[code]["geometry"]["coordinates"][0])
        assert outline.is_valid and shapely.is_ccw(outline.exterior), code  # y down: exterior positive area
        west = ((lon + 180) / 360 * n - x) * overview.EXTENT
        south = ((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n - y) * overview.EXTENT
        assert outline.bounds[0] == pytest.approx(west, abs=1) and outline.bounds[3] == pytest.approx(south, abs=1)
        side_units = side / (2 * np.pi * 6378137 * np.cos(np.radians(lat)) / n) * overview.EXTENT
        assert outline.bounds[2] - outline.bounds[0] == pytest.approx(side_units, abs=1.5), code


def test_colour_properties_agree_across_the_generalised_and_detailed_zooms(admin_client):
    generalised, detailed = _decode(admin_client, "parcels", z=LOW), _decode(admin_client, "parcels", z=LOW + 1)
    assert set(generalised) == set(detailed) == set(SQUARES)
    for code, feature in detailed.items():
        colours = {k: v for k, v in feature["properties"].items() if k in ("supply_status", "zone", "class", "tier",
                                                                                 "finding")}
        assert generalised[code]["properties"] == colours and generalised[code]["id"] == feature["id"], code


def test_parcels_under_three_pixels_are_drawn_as_their_bounding_box(admin_client, actor, tmp_path):
    diamond = tmp_path / "diamond.geojson"  # SZ-0003 redrawn as a diamond 80 m across: 2.4 px at zoom 11
    lon, lat, d_lon, d_lat = 120.798, 29.601, 80 / 96_900, 80 / 110_574
    shape = Polygon([(lon, lat), (lon + d_lon / 2, lat - d_lat / 2), (lon + d_lon, lat),
                     (lon + d_lon / 2, lat + d_lat / 2)])
    pyogrio.raw.write(str(diamond), geometry=np.array([shapely.to_wkb(shape)], dtype=object),
                      field_data=[np.array(["SZ-0003"], dtype=object)], fields=["地块编码"], crs="EPSG:4490",
                      geometry_type="Polygon")
    import_geometry(path=diamond, actor=actor)
    detailed = Polygon(_decode(admin_client, "parcels", z=LOW)["SZ-0003"]["geometry"]["coordinates"][0])
    assert detailed.area == pytest.approx(detailed.envelope.area / 2, rel=0.2)  # 5 px at zoom 12: the diamond
    small = _decode(admin_client, "parcels", z=11)["SZ-0003"]
    outline = Polygon(small["geometry"]["coordinates"][0])
    assert outline.area == outline.envelope.area > 0 and len(outline.exterior.coords) == 5
    assert small["id"] is None  # a box is drawn in a feature of all boxes of its colours


def test_a_parcel_spanning_several_tiles_is_clipped_at_low_zoom(admin_client, actor, tmp_path):
    wide = tmp_path / "wide.geojson"  # SZ-0003 redrawn as a 30 km square: wider than a zoom-12 tile
    pyogrio.raw.write(str(wide), geometry=np.array([_square(120.60, 29.45, 30_000)], dtype=object),
                      field_data=[np.array(["SZ-0003"], dtype=object)], fields=["地块编码"], crs="EPSG:4490",
                      geometry_type="Polygon")
    import_geometry(path=wide, actor=actor)
    ring = _decode(admin_client, "parcels", z=LOW, xy=lonlat_to_tile(120.75, 29.60, LOW))["SZ-0003"]
    coords = np.array(ring["geometry"]["coordinates"][0])
    assert coords.min() == -overview.BUFFER and coords.max() == overview.EXTENT + overview.BUFFER


def test_low_zoom_tiles_follow_changes_and_keep_outlines_across_class_changes(admin_client, actor, tmp_path):
    assert _decode(admin_client, "parcels", z=LOW)["SZ-0001"]["properties"]["class"] == "B"
    outlines = tile_data.parcel_shapes()
    result = EvaluationResult.objects.get(run__year=2025, run__zone=None, enterprise__credit_code=uscc(1))
    adjust_class(result=result, new_class="A", reason="技改项目已投产，经管委会研究调档", actor=actor)
    assert _decode(admin_client, "parcels", z=LOW)["SZ-0001"]["properties"]["class"] == "A"
    assert tile_data.parcel_shapes() is outlines  # a new class does not redraw the outlines
    parcel = Parcel.objects.get(code="SZ-0001")
    parcel.supply_status = "idle"
    parcel.save()  # an edit records history, as the admin's does
    assert _decode(admin_client, "parcels", z=LOW)["SZ-0001"]["properties"]["supply_status"] == "idle"
    before = _decode(admin_client, "parcels", z=LOW)["SZ-0003"]["geometry"]["coordinates"][0]
    moved = tmp_path / "moved.geojson"  # SZ-0003 redrawn 300 m further east, still in the tile
    pyogrio.raw.write(str(moved), geometry=np.array([_square(120.801, 29.601, 54.77)], dtype=object),
                      field_data=[np.array(["SZ-0003"], dtype=object)], fields=["地块编码"], crs="EPSG:4490",
                      geometry_type="Polygon")
    import_geometry(path=moved, actor=actor)
    after = _decode(admin_client, "parcels", z=LOW)["SZ-0003"]["geometry"]["coordinates"][0]
    assert min(p[0] for p in after) - min(p[0] for p in before) == pytest.approx(0.003 * 2 ** LOW / 360 * 1024, abs=1)
    assert tile_data.parcel_shapes() is not outlines


def test_outlines_read_in_chunks_equal_outlines_read_at_once(ledger, monkeypatch):
    with connection.cursor() as cursor:
        whole = overview.build_shapes(cursor, Parcel._meta.db_table)
        monkeypatch.setattr(overview, "BUILD_ROWS", 2)  # two parts, the first of two rows
        chunked = overview.build_shapes(cursor, Parcel._meta.db_table)
    assert len(whole.ids) == 3
    for name in whole.__dataclass_fields__:
        assert np.array_equal(getattr(whole, name), getattr(chunked, name)), name
        if name != "reach":
            assert getattr(chunked, name).flags.c_contiguous, name  # a tile scans rows of the bboxes (speed)


def test_tiles_choose_through_the_indexes_what_checking_every_parcel_chooses(ledger, actor, tmp_path):
    wide = tmp_path / "wide.geojson"  # SZ-0003 redrawn as a 30 km square: wider and taller than zoom-12 tiles
    pyogrio.raw.write(str(wide), geometry=np.array([_square(120.60, 29.45, 30_000)], dtype=object),
                      field_data=[np.array(["SZ-0003"], dtype=object)], fields=["地块编码"], crs="EPSG:4490",
                      geometry_type="Polygon")
    import_geometry(path=wide, actor=actor)
    with connection.cursor() as cursor:
        shapes = overview.build_shapes(cursor, Parcel._meta.db_table)
    assert shapes.reach[0] > overview.EXTENT and shapes.reach[1] > 1
    table = tile_data.parcel_table()  # its own index (by west edge), for detailed tiles and clicks
    seen = set()
    for z in (8, 10, 11, 12):
        x0, y0 = lonlat_to_tile(120.59, 29.75, z)
        x1, y1 = lonlat_to_tile(120.91, 29.44, z)
        for x in range(x0 - 1, x1 + 2):
            for y in range(y0 - 1, y1 + 2):
                box = tile_box(z, x, y)
                for zones in (None, [Zone.objects.get(code="SZ-XW1").pk]):
                    chosen = shapes.select(lonlat=box.lonlat, min_size=box.min_size, zone_ids=zones)
                    west, south, east, north = box.lonlat
                    min_x, min_y, max_x, max_y = shapes.bbox
                    every = ((min_x <= east) & (max_x >= west) & (min_y <= north) & (max_y >= south)
                             & ((max_x - min_x >= box.min_size[0]) | (max_y - min_y >= box.min_size[1])))
                    if zones:
                        every &= np.isin(shapes.zone_ids, zones)
                    assert sorted(chosen.tolist()) == np.flatnonzero(every).tolist(), (z, x, y, zones)
                    seen.add(len(chosen))
                min_x, min_y, max_x, max_y = table.bbox
                meets = (min_x <= east) & (max_x >= west) & (min_y <= north) & (max_y >= south)
                assert table.within(box.lonlat).tolist() == np.flatnonzero(meets).tolist(), (z, x, y)
    assert {0, 1, 3} <= seen  # tiles without parcels, with the wide one only, with all three


def test_park_restricted_user_gets_only_their_parks_at_low_zoom(client, ledger):
    client.force_login(_user("nr", role="natural_resources", zones=["SZ-XW1"]))
    for z in (LOW, 11):
        parcels = _decode(client, "parcels", z=z)
        assert set(parcels) == {"SZ-0002"}
        # issue 13: 自然资源和规划 is not given the evaluation_results field group, so no class (nor tier)
        assert parcels["SZ-0002"]["properties"] == {"supply_status": "in_use", "zone": "SZ-XW1"}


def test_gzipped_tile_decodes_to_the_same_tile(admin_client, monkeypatch):
    monkeypatch.setattr(tile_cache, "GZIP_MIN_BYTES", 0)  # the test tiles are small
    for z in (Z, LOW):
        url = "/tiles/parcels/{}/{}/{}.pbf".format(z, *_tile_xy(z))
        plain = admin_client.get(url)
        packed = admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert "Accept-Encoding" in packed["Vary"] and packed["ETag"] == plain["ETag"]
        assert admin_client.get(url, HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304


def test_generalised_tiles_are_kept_until_the_data_changes(admin_client, actor, monkeypatch):
    cut, render = [], tile_cache.render_tile
    monkeypatch.setattr(tile_cache, "render_tile", lambda **tile: cut.append(tile["z"]) or render(**tile))
    url = "/tiles/parcels/{}/{}/{}.pbf".format(LOW, *_tile_xy(LOW))
    first = admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    again = admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert again.content == first.content and again["ETag"] == first["ETag"] and cut == [LOW]
    admin_client.get("/tiles/parcels/{}/{}/{}.pbf".format(Z, *_tile_xy()))
    admin_client.get("/tiles/parcels/{}/{}/{}.pbf".format(Z, *_tile_xy()))
    assert cut == [LOW, Z, Z]  # detailed tiles are many and cheap: cut every time
    result = EvaluationResult.objects.get(run__year=2025, run__zone=None, enterprise__credit_code=uscc(1))
    adjust_class(result=result, new_class="A", reason="技改项目已投产，经管委会研究调档", actor=actor)
    changed = admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert changed["ETag"] != first["ETag"] and cut == [LOW, Z, Z, LOW]
    assert _decode(admin_client, "parcels", z=LOW)["SZ-0001"]["properties"]["class"] == "A"


def test_generalised_tiles_are_shared_between_workers(admin_client, monkeypatch):
    """A generalised tile cut by one worker is served by another from the shared cache table without cutting it
    (a changed entry shows that the view reads the table); detailed tiles are not put there."""
    from django.core.cache import cache

    cut, render = [], tile_cache.render_tile
    monkeypatch.setattr(tile_cache, "render_tile", lambda **tile: cut.append(tile["z"]) or render(**tile))
    url = "/tiles/parcels/{}/{}/{}.pbf".format(LOW, *_tile_xy(LOW))
    first = admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    tile_cache.KEPT.clear()  # another worker: nothing in its memory
    again = admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert again.content == first.content and again["ETag"] == first["ETag"] and cut == [LOW]
    cache.set(tile_cache._shared_key(first["ETag"], True), (b"from the table", False))
    tile_cache.KEPT.clear()
    assert admin_client.get(url, HTTP_ACCEPT_ENCODING="gzip").content == b"from the table"
    detailed = admin_client.get("/tiles/parcels/{}/{}/{}.pbf".format(Z, *_tile_xy()), HTTP_ACCEPT_ENCODING="gzip")
    assert cache.get(tile_cache._shared_key(detailed["ETag"], True)) is None


def test_another_worker_maps_the_parcel_table_and_outlines_the_first_built(admin_client, monkeypatch):
    """The parcel table and outlines one worker built are read by the next from the shared files (not built
    again), and the tiles and the click lookup they give are the same."""
    card = "/tiles/parcels/{}.json".format(Parcel.objects.get(code="SZ-0002").pk)  # with class and tier
    urls = ["/tiles/parcels/{}/{}/{}.pbf".format(z, *_tile_xy(z)) for z in (LOW, Z)] + [card]
    first = [admin_client.get(url).content for url in urls]
    click = admin_client.get("/tiles/parcels/at.json", {"lon": SQUARES["SZ-0002"][0] + 0.0003,
                                                        "lat": SQUARES["SZ-0002"][1] + 0.0003, "z": LOW}).json()
    tile_data.release()  # another worker: nothing in its memory, no tile in the cache table
    tile_cache.KEPT.clear()
    _tiles_out_of_the_cache_table()  # the change tokens stay: the workers share the table

    def refused(*args):
        raise AssertionError("built again")
    monkeypatch.setattr(tile_data, "_build_parcel_table", refused)
    monkeypatch.setattr(overview, "build_shapes", refused)
    assert [admin_client.get(url).content for url in urls] == first and all(first)
    assert admin_client.get("/tiles/parcels/at.json", {"lon": SQUARES["SZ-0002"][0] + 0.0003,
                                                       "lat": SQUARES["SZ-0002"][1] + 0.0003, "z": LOW}).json() == click
    assert click["code"] == "SZ-0002" and '"tier": "重点检查"'.encode() in first[-1]


def _tiles_out_of_the_cache_table():
    from django.db import connection

    from parkgov.audit.versions import CHANGE_TOKEN_KEY

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM parkgov_cache WHERE cache_key NOT LIKE %s", ["%" + CHANGE_TOKEN_KEY + "%"])


def test_the_shared_cache_is_written_after_the_tile_is_sent(ledger, rf):
    """The WSGI server closes a response once its body is out; the table is written then, not before."""
    from django.core.cache import cache
    from django.core.signals import request_finished
    from django.db import close_old_connections

    from parkgov.spatial.views import tile

    request = rf.get("/tiles/parcels/{}/{}/{}.pbf".format(LOW, *_tile_xy(LOW)), HTTP_ACCEPT_ENCODING="gzip")
    request.user = _user("map-admin", superuser=True)
    tile_cache.KEPT.clear()
    response = tile(request, layer="parcels", z=LOW, x=_tile_xy(LOW)[0], y=_tile_xy(LOW)[1])
    assert response.status_code == 200 and cache.get(tile_cache._shared_key(response["ETag"], True)) is None
    request_finished.disconnect(close_old_connections)  # as the test client does: keep the test's connection
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert cache.get(tile_cache._shared_key(response["ETag"], True))[0] == response.content


def test_warming_cuts_the_low_zoom_tiles_of_the_users_map(admin_client, monkeypatch):
    """What a job does after changing the data: the generalised tiles over the user's map extent are cut into
    the shared cache, so a worker serves the map's opening zooms without cutting."""
    from parkgov.accounts.scopes import scope_for

    tile_cache.KEPT.clear()
    looked = tile_cache.warm_map(scope=scope_for(get_user_model().objects.get(username="map-admin")))
    assert looked == 3  # one tile a zoom (10–12) holds the three parcels; empty tiles around them are not cut
    cut, render = [], tile_cache.render_tile
    monkeypatch.setattr(tile_cache, "render_tile", lambda **tile: cut.append(tile["z"]) or render(**tile))
    tile_cache.KEPT.clear()
    for z in (10, 11, 12):
        assert admin_client.get("/tiles/parcels/{}/{}/{}.pbf".format(z, *_tile_xy(z)),
                                HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert cut == []


def test_kept_tiles_drop_the_least_recently_used():
    kept = tile_data.KeptTiles(max_bytes=3 * (100 + tile_data.KeptTiles.ENTRY_BYTES))
    for key in "abc":
        kept.put(key, b"x" * 100, False)
    assert kept.get("a") == (b"x" * 100, False)  # now the most recently used
    kept.put("d", b"y" * 100, True)
    assert kept.get("b") is None and kept.get("a") and kept.get("c") and kept.get("d") == (b"y" * 100, True)
    for n in range(10_000):
        kept.put(n, b"", False)  # empty tiles count too
    assert kept.size <= kept.max_bytes


def test_small_tiles_are_not_gzipped(admin_client):
    response = admin_client.get("/tiles/parcels/{}/{}/{}.pbf".format(Z, *_tile_xy()), HTTP_ACCEPT_ENCODING="gzip")
    assert len(response.content) < tile_cache.GZIP_MIN_BYTES and "Content-Encoding" not in response


def test_card_properties_match_the_detailed_tile(admin_client):
    detailed = _decode(admin_client, "parcels")
    for code, feature in detailed.items():
        response = admin_client.get(f"/tiles/parcels/{feature['id']}.json")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response.json() == feature["properties"], code


def test_card_properties_obey_the_users_scope(client, ledger):
    client.force_login(_user("nr", role="natural_resources", zones=["SZ-XW1"]))
    ids = dict(Parcel.objects.values_list("code", "id"))
    inside = client.get(f"/tiles/parcels/{ids['SZ-0002']}.json")
    assert inside.status_code == 200 and "class" not in inside.json() and "tier" not in inside.json()  # issue 13
    assert client.get(f"/tiles/parcels/{ids['SZ-0001']}.json").status_code == 404  # another park
    assert client.get("/tiles/parcels/999999.json").status_code == 404
    client.logout()
    assert client.get(f"/tiles/parcels/{ids['SZ-0002']}.json").status_code == 302


def test_empty_tile_answers_204(admin_client):
    response = admin_client.get("/tiles/parcels/14/0/0.pbf")
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize("url, status", [
    ("/tiles/parcels/23/0/0.pbf", 400),
    ("/tiles/parcels/3/8/0.pbf", 400),
    ("/tiles/parcels/3/0/99999999999.pbf", 400),
    ("/tiles/parcels/-1/0/0.pbf", 404),
    ("/tiles/roads/3/0/0.pbf", 404),
])
def test_bad_tile_numbers_are_client_errors(admin_client, url, status):
    assert admin_client.get(url).status_code == status


def test_anonymous_users_are_sent_to_login(client, ledger):
    for url in ("/map/", f"/tiles/parcels/{Z}/0/0.pbf"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_map_page_for_the_whole_ledger(admin_client, settings):
    settings.PARKGOV_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    response = admin_client.get("/map/")
    html = response.content.decode()
    assert "https://tiles.example.gov.cn/{z}/{x}/{y}.png" in html
    assert 'id="map"' in html and 'data-ready="0"' in html and "vendor/maplibre-gl/maplibre-gl.js" in html
    for text in ("供地状态", "评价类别", "亩均税收档位", "2025 年 · 测试规则 2025", "三江小微企业园"):
        assert text in html, text
    labels = {item["label"] for legend in response.context["map"]["legends"].values() for item in legend["items"]}
    assert {"批而未供", "重点检查"} <= labels  # the legends' entries are drawn from the page's map-config
    assert "/tiles/parcels/{z}/{x}/{y}.pbf" in html and "/parcels/__CODE__/" in html


def test_map_page_for_a_park_user_without_tax(client, ledger):
    client.force_login(_user("nr", role="natural_resources", zones=["SZ-XW1"]))
    response = client.get("/map/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "亩均税收档位" not in html and "三江小微企业园" in html and "嵊州经济开发区</option>" not in html


def test_role_without_parcel_read_is_refused(client, ledger, monkeypatch):
    from parkgov.accounts import scopes

    table = scopes.role_table()
    roles = dict(table["roles"], blind={**table["roles"]["tax"], "read": ["zone"]})
    monkeypatch.setattr(scopes, "role_table", lambda: {**table, "roles": roles})
    client.force_login(_user("blind", role="blind"))
    assert client.get("/map/").status_code == 403
    assert client.get(f"/tiles/parcels/{Z}/0/0.pbf").status_code == 403


def test_encoder_orients_rings_and_keeps_holes():
    shell = [(10, 10), (10, 100), (100, 100), (100, 10)]  # y down: anticlockwise on screen, must be flipped
    hole = [(40, 40), (60, 40), (60, 60), (40, 60)]
    geoms = np.array([Polygon(shell, [hole]), Polygon([(0, 0), (0, 0.2), (0.2, 0)]), shapely.box(200, 200, 300, 260)])
    parts, part_feature = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    commands, offsets, kept = mvt.polygon_commands(np.rint(coords), point_ring, ring_part, part_feature, 3)
    assert kept.tolist() == [True, False, True]  # the sliver collapses on the grid
    tile = mvt.encode_layer(name="t", ids=[7, 9], commands=commands, offsets=np.r_[0, offsets[1:][kept]],
                            properties=mvt.columns({"name": ["甲", None], "n": [1.5, 2.0]}))
    features = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": True})["t"]["features"]
    assert [f["id"] for f in features] == [7, 9]
    assert features[0]["properties"] == {"name": "甲", "n": 1.5} and features[1]["properties"] == {"n": 2.0}
    outer, inner = (Polygon(r) for r in features[0]["geometry"]["coordinates"])
    assert outer.area == 8100 and inner.area == 400
    assert shapely.is_ccw(outer.exterior) and not shapely.is_ccw(inner.exterior)  # spec: exterior positive area


def test_varints_match_the_protobuf_encoding():
    values = [0, 1, 127, 128, 300, 16383, 16384, 2**21, 2**35 + 7, 2**53 - 1, 2**63 - 1]

    def reference(v):
        out = bytearray()
        while True:
            out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not v:
                return bytes(out)

    data, sizes = mvt.varints(values)
    assert data.tobytes() == b"".join(map(reference, values))
    assert sizes.tolist() == [len(reference(v)) for v in values]
    assert mvt.varints([5, 7])[0].tobytes() == bytes([5, 7]) and len(mvt.varints([])[0]) == 0


def test_boxes_of_the_same_colours_are_one_feature_drawn_as_the_polygon_encoder_draws_boxes():
    box = np.array([[3.2, 0.0, -40.0, 500.0], [7.6, 0.4, 1000.0, -5.0], [9.9, 0.2, -38.7, 502.0],
                    [8.1, 0.4, 1003.0, -3.0]])  # one box per column: x0, y0, x1, y1 in tile units
    keys = np.array([[0, 0], [1, -1], [0, 0], [1, -1]])  # colour property codes: boxes 0, 2 and 1, 3 alike
    sides = overview._box_sides(box)
    groups, encoded = overview.box_groups(sides, keys)
    assert sorted(groups.tolist()) == [[0, 0], [1, -1]]
    tables = {name: mvt.value_table(values) for name, values in (("kind", ["甲", "乙"]), ("class", ["A"]))}
    tile = mvt.encode_layer(name="t", ids=[-1, -1], encoded=encoded, extent=1024,
                            properties={name: (groups[:, k], tables[name]) for k, name in enumerate(tables)})
    features = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": True})["t"]["features"]
    assert _has_ids(tile) == [False, False]
    assert sorted(f["properties"]["kind"] for f in features) == ["乙", "甲"]
    assert all(f["properties"] == ({"kind": "甲", "class": "A"} if f["properties"]["kind"] == "甲" else {"kind": "乙"})
               for f in features)
    x0, y0 = np.rint(box[0]), np.rint(box[1])
    x1, y1 = np.maximum(np.rint(box[2]), x0 + 1), np.maximum(np.rint(box[3]), y0 + 1)  # at least a unit
    corners = np.stack([x0, y0, x1, y0, x1, y1, x0, y1, x0, y0], axis=1).reshape(-1, 5, 2)
    for feature in features:  # within a feature: top edge first
        members = [0, 2] if feature["properties"]["kind"] == "甲" else [3, 1]
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert feature["geometry"]["coordinates"] == [[corners[m].astype(int).tolist()] for m in members]
    n = box.shape[1]  # each box alone is what the general encoder gives (orientation and all)
    expected, expected_offsets, kept = mvt.polygon_commands(corners.reshape(-1, 2), np.repeat(np.arange(n), 5),
                                                            np.arange(n), np.arange(n), n)
    alone = overview.box_groups(sides, np.arange(n)[:, None])[1]
    assert kept.all() and alone.data.tobytes() == mvt.varints(expected)[0].tobytes()
    assert alone.lengths.tolist() == mvt.geometry(expected, expected_offsets).lengths.tolist()
    big = sides * [[1], [1], [100], [100]]  # sides of 100 units and more: not a tiny box, written the general way
    assert overview.box_groups(big, np.arange(n)[:, None])[1].data.tobytes() == mvt.varints(
        mvt.polygon_commands(np.stack([big[0], big[1], big[0] + big[2], big[1], big[0] + big[2], big[1] + big[3],
                                       big[0], big[1] + big[3], big[0], big[1]], axis=1).reshape(-1, 2),
                             np.repeat(np.arange(n), 5), np.arange(n), np.arange(n), n)[0])[0].tobytes()


def test_a_click_on_a_box_finds_the_parcel(admin_client, actor, tmp_path):
    def at(lon, lat, z=11, client=admin_client):
        return client.get("/tiles/parcels/at.json", {"lon": lon, "lat": lat, "z": z})

    lon, lat, side = SQUARES["SZ-0003"]  # 55 m: a box at zoom 11 (1.7 px)
    inside = at(lon + side / 2 / 96_900, lat + side / 2 / 110_574)
    assert inside.status_code == 200 and inside["Content-Type"] == "application/json"
    parcel = Parcel.objects.get(code="SZ-0003")
    assert inside.json() == {"id": parcel.pk, "bbox": [parcel.min_x, parcel.min_y, parcel.max_x, parcel.max_y],
                             **admin_client.get(f"/tiles/parcels/{parcel.pk}.json").json()}
    assert at(lon - 40 / 96_900, lat).json()["code"] == "SZ-0003"  # 40 m west: 1.2 px, within PICK_PX
    assert at(lon - 40 / 96_900, lat, z=14).status_code == 404  # 9 px at zoom 14
    assert at(lon - 200 / 96_900, lat).status_code == 404
    assert at(lon, lat, z=8).status_code == 404  # under a pixel at zoom 8: the tile does not draw it
    wide = tmp_path / "wide.geojson"  # SZ-0003 redrawn as a 30 km square over the others: the smaller box wins
    pyogrio.raw.write(str(wide), geometry=np.array([_square(120.60, 29.45, 30_000)], dtype=object),
                      field_data=[np.array(["SZ-0003"], dtype=object)], fields=["地块编码"], crs="EPSG:4490",
                      geometry_type="Polygon")
    import_geometry(path=wide, actor=actor)
    lon, lat, side = SQUARES["SZ-0002"]
    assert at(lon + side / 2 / 96_900, lat + side / 2 / 110_574, z=10).json()["code"] == "SZ-0002"
    assert at(120.61, 29.46, z=10).json()["code"] == "SZ-0003"


def test_a_click_finds_only_parcels_in_the_users_parks(client, ledger):
    client.force_login(_user("nr", role="natural_resources", zones=["SZ-XW1"]))
    for code, status in (("SZ-0002", 200), ("SZ-0003", 404)):
        lon, lat, side = SQUARES[code]
        answer = client.get("/tiles/parcels/at.json", {"lon": lon + side / 2 / 96_900,
                                                       "lat": lat + side / 2 / 110_574, "z": 11})
        assert answer.status_code == status, code
        if status == 200:  # this role does not see evaluation results (issue 13)
            assert answer.json()["code"] == code and "class" not in answer.json() and "tier" not in answer.json()
    client.logout()
    assert client.get("/tiles/parcels/at.json", {"lon": 120.8, "lat": 29.6, "z": 11}).status_code == 302


@pytest.mark.parametrize("query", [{}, {"lon": "东经120度", "lat": "29.6", "z": "11"},
                                   {"lon": "120.8", "lat": "nan", "z": "11"}, {"lon": "190", "lat": "29.6", "z": "11"},
                                   {"lon": "120.8", "lat": "29.6", "z": "23"}, {"lon": "120.8", "lat": "29.6"}])
def test_a_click_with_bad_coordinates_is_a_client_error(admin_client, query):
    response = admin_client.get("/tiles/parcels/at.json", query)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
    message = response.content.decode()
    missing = next(name for name in ("lon", "lat", "z") if name not in query) if len(query) < 3 else None
    assert message.startswith(f"缺少参数 {missing}（") if missing else message.startswith("参数 ")


@pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                    reason="需要 Debian 的 Chromium")
@pytest.mark.django_db(transaction=True)
def test_map_draws_and_a_click_opens_the_parcel_card(live_server, ledger):
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import launch, screenshot

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("map-browser", password="map-browser-2026")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "map-browser")
        page.fill("input[name=password]", "map-browser-2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/map/")
        expect(page.locator("#map[data-ready='1']")).to_have_count(1, timeout=30000)
        card = page.locator("#parcel-card")
        # the fitted view (detailed tiles), a generalised zoom (the card asks by id), a parcel drawn as a box in a
        # feature of many at zoom 11 (the card asks by the clicked point)
        for zoom, code, area, klass in ((None, "SZ-0001", "20,000.00 m² / 30.00 亩", "B 类"),
                                        (LOW, "SZ-0001", "20,000.00 m² / 30.00 亩", "B 类"),
                                        (11, "SZ-0002", "6,666.67 m² / 10.00 亩", "C 类")):
            lon, lat, side = SQUARES[code]
            centre = [lon + side / 2 / 96_800, lat + side / 2 / 110_574]
            if zoom:
                page.click("#parcel-card .close")
                expect(card).to_be_hidden()
                page.evaluate("""([centre, zoom]) => new Promise((resolve) => {
                    window.parkgovMap.once("idle", resolve);
                    window.parkgovMap.jumpTo({center: centre, zoom: zoom});
                })""", [centre, zoom])
            point = page.evaluate("""(centre) => {
                const box = document.getElementById("map").getBoundingClientRect();
                const p = window.parkgovMap.project(centre);
                return {x: box.left + p.x, y: box.top + p.y};
            }""", centre)
            if zoom == 11:
                with page.expect_response(lambda r: "/tiles/parcels/at.json?" in r.url and r.status == 200):
                    page.mouse.click(point["x"], point["y"])
            else:
                page.mouse.click(point["x"], point["y"])
            expect(card).to_be_visible()
            expect(card.locator("[data-field=code]")).to_have_text(code)
            expect(card).to_contain_text(area)
            expect(card).to_contain_text(klass)
            assert card.locator("a[data-field=link]").get_attribute("href") == f"/parcels/{code}/"
            boxes = page.evaluate("() => window.parkgovMap.getSource('selected-box').serialize().data.features.length")
            assert boxes == (1 if zoom == 11 else 0)  # a box clicked: outlined by its bbox; else by id
        page.check("input[name=colour][value=class]")
        expect(page.locator(".map-legend[data-mode=class]")).to_be_visible()
        screenshot(page, "map-admin")
        browser.close()


def test_a_job_leaves_the_tiles_cut_and_frees_the_outlines(admin_client, monkeypatch):
    """The job's warm-up leaves the generalised tiles in the shared cache and no outlines in the job's process."""
    from parkgov.jobs.tasks import warm_views

    tile_cache.KEPT.clear()
    warm_views(get_user_model().objects.get(username="map-admin"))
    assert tile_data._PARCEL_SHAPES == {} and tile_data._PARCEL_TABLE == {}
    cut, render = [], tile_cache.render_tile
    monkeypatch.setattr(tile_cache, "render_tile", lambda **tile: cut.append(tile["z"]) or render(**tile))
    tile_cache.KEPT.clear()
    assert admin_client.get("/tiles/parcels/{}/{}/{}.pbf".format(LOW, *_tile_xy(LOW)),
                            HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert cut == []


def test_warming_for_everyone_covers_each_scope_once(admin_client, monkeypatch):
    """`parkgov warm` after a bulk load: the cockpit and low-zoom tiles of every active user's scope are left in
    the shared cache (users with the same scope count once), users without a role are skipped, the outlines freed."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.jobs.tasks import warm_everyone

    park_user = _user("nr", role="natural_resources", zones=["SZ-XW1"])
    _user("nr-2", role="natural_resources", zones=["SZ-XW1"])
    _user("no-role")
    tile_cache.KEPT.clear()
    assert warm_everyone() == {"scopes": 2, "tiles": 6}  # the administrator's and the park user's: 3 zooms each
    assert tile_data._PARCEL_SHAPES == {}
    cut, render = [], tile_cache.render_tile
    monkeypatch.setattr(tile_cache, "render_tile", lambda **tile: cut.append(tile["z"]) or render(**tile))
    tile_cache.KEPT.clear()
    x, y = _tile_xy(LOW)
    assert admin_client.get(f"/tiles/parcels/{LOW}/{x}/{y}.pbf", HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    admin_client.force_login(park_user)
    assert scope_for(park_user).zone_ids is not None
    assert admin_client.get(f"/tiles/parcels/{LOW}/{x}/{y}.pbf", HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert cut == []


def test_a_park_restricted_economy_user_gets_class_and_tier_of_its_parks(client, ledger):
    """issue 13: class and tier follow the evaluation_results field group, whatever the user's parks."""
    client.force_login(_user("eco", role="economy", zones=["SZ-XW1"]))
    ids = dict(Parcel.objects.values_list("code", "id"))
    assert client.get(f"/tiles/parcels/{ids['SZ-0002']}.json").json()["class"] == "C"
    parcels = _decode(client, "parcels", z=LOW)
    assert set(parcels) == {"SZ-0002"} and parcels["SZ-0002"]["properties"]["class"] == "C"
