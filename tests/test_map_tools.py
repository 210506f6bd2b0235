"""Issue 17 §3, a map people can work on: reference layers served by us (scoped to the parks' extent), search by
parcel code, firm name or credit code (scoped), ellipsoidal measuring, the selected parcels as xlsx (read with
fastexcel) and GPKG (read with ogrinfo), no external URL on the page; a Chromium pass at 1920 and 360 px searches,
toggles a layer, measures a known segment, exports the view as PNG and the chosen parcels as a workbook.
Workbooks are written with XlsxWriter and read back with fastexcel (calamine)."""

import gzip
import io
import json
import math
import os
import shutil
import subprocess

import fastexcel
import pytest
import shapely
from django.contrib.auth import get_user_model
from pyproj import Geod

from parkgov.governance.layers import import_layer
from parkgov.ledger.models import Parcel
from parkgov.spatial.map_settings import map_settings
from parkgov.spatial.reference_map import visible_extent
from parkgov.testing import uscc
from tests.test_map import SQUARES, _user, ledger  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="GRS80")
NEAR_ROAD = [(120.784, 29.598), (120.806, 29.598)]  # along the south of the parcels, inside zone SZ
FAR_ROAD = [(121.50, 30.50), (121.52, 30.50)]  # ~110 km away: no park-limited user's
XW1_ROAD = [(120.7905, 29.6015), (120.7935, 29.6015)]  # beside park SZ-XW1 (its parcel SZ-0002)


@pytest.fixture
def roads(ledger, actor, tmp_path):  # noqa: F811
    path = tmp_path / "roads.geojson"
    features = [{"type": "Feature", "properties": {"名称": name},
                 "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]}}
                for name, line in (("南环路", NEAR_ROAD), ("远处公路", FAR_ROAD), ("新五路", XW1_ROAD))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}},
                               ensure_ascii=False), encoding="utf-8")
    import_layer(path=path, code="roads-test", name="测试道路", kind="road", source="测试数据 2026", actor=actor)


@pytest.fixture
def admin(client, ledger):  # noqa: F811
    client.force_login(_user("tools-admin", superuser=True))
    return client


def _park_user(client, code="SZ-XW1", role="natural_resources"):
    client.force_login(_user(f"tools-{role}-{code}", role=role, zones=[code]))
    return client


def _names(client):
    response = client.get("/map/layers/roads-test.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return sorted(f["properties"]["name"] for f in response.json()["features"])


def test_reference_layer_is_served_whole_to_users_of_every_park(admin, roads):
    assert _names(admin) == ["南环路", "新五路", "远处公路"]
    layer = next(layer for layer in _config(admin)["reference_layers"] if layer["code"] == "roads-test")
    assert layer["features"] == 3 and layer["draw"] == "line" and layer["kind"] == "road"


def test_a_park_user_gets_the_reference_features_near_its_parks_only(client, roads):
    _park_user(client)
    assert _names(client) == ["南环路", "新五路"]  # within 2 km of SZ-XW1's extent; the far road is not
    layer = next(layer for layer in _config(client)["reference_layers"] if layer["code"] == "roads-test")
    assert layer["features"] == 2


def test_the_margin_is_data_and_an_unknown_layer_is_404(admin, roads):
    assert map_settings().reference_margin_m == 2000
    west, south, east, north = visible_extent(type("S", (), {"zone_ids": (1,)})(), [120.79, 29.6, 120.79, 29.6])
    assert math.isclose((north - south) / 2 * 111_320, 2000, rel_tol=1e-6)
    assert admin.get("/map/layers/none.geojson").status_code == 404
    first = admin.get("/map/layers/roads-test.geojson")
    again = admin.get("/map/layers/roads-test.geojson", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and "private" in first["Cache-Control"]
    packed = admin.get("/map/layers/roads-test.geojson", headers={"Accept-Encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(packed.content)) == first.json()


def test_planned_land_use_is_drawn_by_first_level_class_with_counts(admin, actor, tmp_path):
    def square(x, y):
        return [[[x, y], [x + 0.002, y], [x + 0.002, y + 0.002], [x, y + 0.002], [x, y]]]

    features = [{"type": "Feature", "properties": {"用地用海分类": code},
                 "geometry": {"type": "Polygon", "coordinates": square(120.78 + i * 0.003, 29.59)}}
                for i, code in enumerate(["100101", "100102", "1401"])]
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    import_layer(path=path, code="plan-test", name="规划", kind="planned_land_use", source="测试数据 2026",
                 actor=actor, crs="EPSG:4490")
    layer = next(layer for layer in _config(admin)["reference_layers"] if layer["code"] == "plan-test")
    assert layer["draw"] == "fill" and [(i["value"], i["label"], i["count"]) for i in layer["legend"]] == [
        ("10", "工矿用地", 2), ("14", "绿地与开敞空间用地", 1)]
    groups = [f["properties"]["group"] for f in admin.get("/map/layers/plan-test.geojson").json()["features"]]
    assert groups == ["10", "10", "14"]


def _config(client):
    page = client.get("/map/").content.decode()
    start = page.index('<script id="map-config" type="application/json">') + len('<script id="map-config" type="application/json">')
    return json.loads(page[start:page.index("</script>", start)])


def test_map_page_and_its_style_reference_no_external_url(admin, roads, settings):
    """The offline base: nothing on the page, in its configuration or in the map scripts points off the server."""
    settings.PARKGOV_TILE_URL = ""
    page = admin.get("/map/").content.decode()
    assert "http://" not in page and "https://" not in page and "//" not in page.replace("://", "")
    config = _config(admin)
    texts = [v for v in _strings(config) if "//" in v]
    assert texts == [], texts
    from django.contrib.staticfiles import finders
    for name in ("spatial/map.js", "spatial/map_tools.js", "spatial/map.css"):
        source = open(finders.find(name), encoding="utf-8").read()
        assert "http://" not in source and "https://" not in source, name
        assert "glyphs" not in source, name  # labels: glyphs drawn locally, no glyph server


def _strings(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _search(client, q):
    response = client.get("/map/search.json", {"q": q})
    assert response.status_code == 200, response.content.decode()
    return [(hit["kind"], hit["code"]) for hit in response.json()["hits"]]


def test_search_by_parcel_code_firm_name_and_credit_code(admin):
    assert _search(admin, "SZ-000") == [("parcel", "SZ-0001"), ("parcel", "SZ-0002"), ("parcel", "SZ-0003")]
    assert _search(admin, "00012") == [("parcel", "SZ-0001")]  # part of its 宗地代码 330683001002GB00012
    assert _search(admin, "甲厨") == [("enterprise", "SZ-0001")]
    assert _search(admin, uscc(2).lower()) == [("enterprise", "SZ-0002")]
    assert sorted(_search(admin, uscc(2)[:12])) == [("enterprise", "SZ-0001"), ("enterprise", "SZ-0001"),
                                                    ("enterprise", "SZ-0002")]  # every firm's code starts so
    hit = admin.get("/map/search.json", {"q": "甲厨"}).json()["hits"][0]
    parcel = Parcel.objects.get(code="SZ-0001")
    assert hit["id"] == parcel.pk and hit["bbox"] == [parcel.min_x, parcel.min_y, parcel.max_x, parcel.max_y]
    assert hit["title"] == "嵊州市甲厨具有限公司" and hit["detail"].startswith(uscc(1))


def test_search_is_scoped_and_refuses_short_queries(client, ledger):  # noqa: F811
    _park_user(client)
    assert _search(client, "SZ-000") == [("parcel", "SZ-0002")]
    assert _search(client, "甲厨") == []  # its parcel is in park SZ, not the user's
    response = client.get("/map/search.json", {"q": "S"})
    assert response.status_code == 400 and "至少 2 个字符" in response.json()["error"]


def test_measure_gives_ellipsoidal_length_and_area_in_mu(admin):
    line = admin.get("/map/measure.json", {"kind": "line", "points": "120.78,29.59;120.80,29.59"}).json()
    expected = GEOD.line_length([120.78, 120.80], [29.59, 29.59])
    assert math.isclose(line["metres"], expected, rel_tol=1e-9)
    haversine = 6371008.8 * math.radians(0.02) * math.cos(math.radians(29.59))
    assert math.isclose(line["metres"], haversine, rel_tol=5e-3) and math.isclose(line["km"], expected / 1000)
    lon, lat, side = SQUARES["SZ-0001"]  # a square of about 20,000 m²
    d_lat, d_lon = side / 110_574, side / (111_320 * math.cos(math.radians(lat)))
    ring = f"{lon},{lat};{lon + d_lon},{lat};{lon + d_lon},{lat + d_lat};{lon},{lat + d_lat}"
    area = admin.get("/map/measure.json", {"kind": "area", "points": ring}).json()
    assert math.isclose(area["m2"], 20000, rel_tol=0.01)
    assert math.isclose(area["mu"], area["m2"] * 15 / 10000) and math.isclose(area["hectares"], area["m2"] / 10000)
    bad = admin.get("/map/measure.json", {"kind": "line", "points": "120.78,29.59"})
    assert bad.status_code == 400 and "2 到 500 个点" in bad.json()["error"]


def _rows(body: bytes) -> list:
    """The first sheet's rows, the header first (fastexcel reads what XlsxWriter wrote)."""
    frame = fastexcel.read_excel(body).load_sheet(0).to_polars()
    return [tuple(frame.columns), *frame.iter_rows()]


def _ids(*codes):
    return ",".join(str(i) for i in Parcel.objects.filter(code__in=codes).values_list("id", flat=True))


def test_selection_export_as_xlsx_has_chinese_headers_and_the_selected_parcels(admin):
    response = admin.post("/map/selection.xlsx", {"ids": _ids("SZ-0001", "SZ-0002")})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = _rows(b"".join(response.streaming_content))
    assert rows[0][:3] == ("地块编码", "宗地代码", "园区编码") and "土地面积（亩）" in rows[0]
    assert [row[0] for row in rows[1:]] == ["SZ-0001", "SZ-0002"]
    first = dict(zip(rows[0], rows[1]))
    assert first["土地面积（亩）"] == 30.0 and first["土地使用权人"] == "嵊州市甲厨具有限公司、嵊州市丙机械有限公司"


def test_selection_export_as_gpkg_is_read_by_ogrinfo(admin, tmp_path):
    response = admin.get("/map/selection.gpkg", {"ids": _ids("SZ-0001", "SZ-0002", "SZ-0003")})
    assert response.status_code == 200
    path = tmp_path / "selection.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "gdal-bin provides ogrinfo"
    info = subprocess.run([ogrinfo, "-al", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Layer name: 选中地块" in info and "Geometry: Multi Polygon" in info and "Feature Count: 3" in info
    assert "地块编码: String" in info and "土地面积（亩）: Real" in info and "CGCS2000" in info
    assert [line.split("= ")[1] for line in info.splitlines() if "地块编码 (String) =" in line] == \
        ["SZ-0001", "SZ-0002", "SZ-0003"]


def test_selection_export_keeps_to_the_users_parks_and_checks_input(client, ledger):  # noqa: F811
    _park_user(client)
    response = client.post("/map/selection.xlsx", {"ids": _ids("SZ-0001", "SZ-0002")})
    rows = _rows(b"".join(response.streaming_content))
    assert [row[0] for row in rows[1:]] == ["SZ-0002"]
    assert client.post("/map/selection.xlsx", {"ids": ""}).status_code == 400
    bad = client.post("/map/selection.xlsx", {"ids": "1,x"})
    assert bad.status_code == 400 and "以逗号分隔的编号" in bad.content.decode()
    assert client.post("/map/selection.pdf", {"ids": _ids("SZ-0002")}).status_code == 400


def test_demo_roads_ring_every_park_and_cross_no_parcel(tmp_path):
    from parkgov.demo.generator import generate
    from parkgov.demo.generator.reference import write_reference_layers
    from parkgov.ledger import geometry

    demo = generate(enterprises=300, seed=2021)
    paths = write_reference_layers(zone_geometry=demo.zone_geometry, directory=tmp_path, seed=2021)
    import pyogrio
    _meta, _fids, wkb, values = pyogrio.raw.read(str(paths["road"]))
    assert len(wkb) == demo.zone_geometry.height and all("环园路" in name for name in values[0])
    roads = geometry.transform(shapely.from_wkb(wkb), "EPSG:4490", "EPSG:4549")
    parcels = geometry.transform(shapely.from_wkb(demo.parcel_geometry.get_column("wkb").to_list()),
                                 "EPSG:4490", "EPSG:4549")
    assert shapely.distance(shapely.union_all(roads), parcels).min() > 20


@pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                    reason="需要 Debian 的 Chromium")
@pytest.mark.django_db(transaction=True)
def test_search_layers_measure_and_exports_in_chromium(live_server, roads, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import launch, screenshot

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("tools-browser", password="tools-browser-2026")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for width, height in ((1920, 1080), (360, 780)):
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            page = context.new_page()
            requested = []
            page.on("request", lambda request: requested.append(request.url))
            _login(page, live_server.url)
            page.goto(f"{live_server.url}/map/")
            expect(page.locator("#map[data-ready='1']")).to_have_count(1, timeout=30000)
            _search_flies_and_opens_the_card(page, expect)
            _layer_toggle_hides_the_layer(page)
            _labels_at_high_zoom(page)
            _measure_known_segment(page)
            _png_export(page)
            _selection_export(page, tmp_path / f"selection-{width}.xlsx")
            screenshot(page, f"map-tools-{width}")
            outside = [url for url in requested if not url.startswith((live_server.url, "blob:", "data:"))]
            assert outside == [], outside
            context.close()
        browser.close()


def _login(page, url):
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", "tools-browser")
    page.fill("input[name=password]", "tools-browser-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _idle(page, script, arg=None):
    page.evaluate("""([script, arg]) => new Promise((resolve) => {
        window.parkgovMap.once("idle", resolve);
        (new Function("arg", script))(arg);
        window.parkgovMap.triggerRepaint();
    })""", [script, arg])


def _search_flies_and_opens_the_card(page, expect):
    page.fill("#map-search-input", "乙领带")
    page.click(".map-search button[type=submit]")
    hit = page.locator(".map-search-hits button")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("SZ-0002")
    _idle(page, "window.parkgovMap.jumpTo({center: [110, 25], zoom: 8});")
    hit.click()
    card = page.locator("#parcel-card")
    expect(card).to_be_visible()
    expect(card.locator("[data-field=code]")).to_have_text("SZ-0002")
    lon, lat, side = SQUARES["SZ-0002"]
    centre = page.evaluate("() => window.parkgovMap.getCenter().toArray()")
    assert abs(centre[0] - (lon + side / 2 / 96_800)) < 0.001 and abs(centre[1] - (lat + side / 2 / 110_574)) < 0.001
    page.click("#parcel-card .close")


def _layer_toggle_hides_the_layer(page):
    layer = "ref-roads-test"
    drawn = "() => window.parkgovMap.queryRenderedFeatures({layers: ['%s']}).length" % layer
    _idle(page, "window.parkgovMap.jumpTo({center: [120.795, 29.600], zoom: 14});")
    assert page.evaluate(drawn) > 0
    box = page.locator("input[name=layer][value='ref:roads-test']")
    box.scroll_into_view_if_needed()
    box.uncheck()
    page.wait_for_function(f"() => window.parkgovMap.getLayoutProperty('{layer}', 'visibility') === 'none'")
    _idle(page, "")
    assert page.evaluate(drawn) == 0
    box.check()


def _labels_at_high_zoom(page):
    lon, lat, side = SQUARES["SZ-0001"]
    _idle(page, "window.parkgovMap.jumpTo({center: arg, zoom: 17});", [lon + side / 2 / 96_800, lat + side / 2 / 110_574])
    labels = page.evaluate("""() => window.parkgovMap.queryRenderedFeatures({layers: ['parcel-label']})
                                    .map((f) => f.properties.code)""")
    assert "SZ-0001" in labels


def _measure_known_segment(page):
    start, end = (120.790, 29.600), (120.796, 29.600)
    _idle(page, "window.parkgovMap.jumpTo({center: [120.793, 29.600], zoom: 15});")
    page.click(".map-tools [data-tool=line]")
    for point in (start, end):
        xy = page.evaluate("""(p) => { const box = document.getElementById('map').getBoundingClientRect();
                                       const q = window.parkgovMap.project(p); return [box.left + q.x, box.top + q.y]; }""",
                           list(point))
        page.mouse.click(*xy)
    page.wait_for_function("() => document.querySelector('.map-tools-result').dataset.metres")
    measured = float(page.evaluate("() => document.querySelector('.map-tools-result').dataset.metres"))
    expected = GEOD.line_length([start[0], end[0]], [start[1], end[1]])
    assert abs(measured - expected) / expected < 0.01, (measured, expected)
    assert "米" in page.locator(".map-tools-result").inner_text()
    page.click(".map-tools [data-tool=line]")  # off again


def _png_export(page):
    with page.expect_download() as download:
        page.click(".map-tools [data-action=png]")
    body = open(download.value.path(), "rb").read()
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    image = Image.open(io.BytesIO(body))
    canvas = page.evaluate("() => [window.parkgovMap.getCanvas().width, window.parkgovMap.getCanvas().height]")
    assert list(image.size) == canvas and len(set(image.convert("RGB").getdata())) > 10  # drawn, not blank


def _selection_export(page, path):
    page.click(".map-tools [data-action=clear]")
    page.click(".map-tools [data-tool=select]")
    _idle(page, "window.parkgovMap.fitBounds(arg, {padding: window.parkgovMapApi.padding, duration: 0});",
          [[120.785, 29.599], [120.800, 29.6045]])
    for code in ("SZ-0001", "SZ-0002"):
        lon, lat, side = SQUARES[code]
        xy = page.evaluate("""(p) => { const box = document.getElementById('map').getBoundingClientRect();
                                       const q = window.parkgovMap.project(p); return [box.left + q.x, box.top + q.y]; }""",
                           [lon + side / 2 / 96_800, lat + side / 2 / 110_574])
        page.mouse.click(*xy)
    page.wait_for_function("() => document.querySelector('.map-tools-result').textContent.includes('2')")
    with page.expect_download() as download:
        page.click(".map-tools [data-action=export][data-format=xlsx]")
    download.value.save_as(path)
    rows = _rows(path.read_bytes())
    assert sorted(row[0] for row in rows[1:]) == ["SZ-0001", "SZ-0002"]
    page.click(".map-tools [data-tool=select]")


def test_boxes_of_many_colour_combinations_group_without_a_flag_per_combination():
    """Found with the map tools on the 1,500-firm demo: with nine colouring modes the combinations of codes
    (the product of their counts) reached billions and one zoom-11 tile allocated 4.5 GB for 19 s."""
    import numpy as np

    from parkgov.spatial import overview

    rng = np.random.default_rng(17)
    keys = rng.integers(-1, 40, size=(5000, 12))  # 41**12 combinations possible
    boxes = overview._box_sides(rng.uniform(0, 1000, size=(4, 5000)).cumsum(axis=0))
    groups, geometry = overview.box_groups(boxes, keys)
    assert sorted(map(tuple, groups)) == sorted(set(map(tuple, keys)))
    small = keys[:, :2]  # few combinations: the flag array; the same groups as sorting gives
    dense, _ = overview.box_groups(boxes, small)
    assert sorted(map(tuple, dense)) == sorted(set(map(tuple, small)))
    assert len(geometry.lengths) == len(groups)
