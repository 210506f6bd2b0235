"""Issue 17 §1: the topology and area checks find each kind of problem, only above its tolerance; the runs are
stored; the CLI writes Excel and a GeoPackage GDAL reads; the page and its downloads keep to the user's parks."""

import json
import subprocess

import fastexcel
import numpy as np
import pytest
import shapely
from django.contrib.auth import get_user_model
from shapely import affinity

from parkgov.accounts.models import Profile
from parkgov.ledger.geometry import ellipsoidal_areas, projected_areas, projected_measures
from parkgov.ledger.models import Parcel, Zone
from parkgov.spatial import topology
from parkgov.spatial.models import TopologyProblem
from parkgov.spatial.topology_checks import check_topology, run_problems, write_problems

LON, LAT = 120.80, 29.60
M = 1 / 111_320  # about a metre of latitude in degrees (the tests place shapes in metres, then convert)


def _metres(polygon):
    """A polygon drawn in metres east/north of (LON, LAT) as lon/lat."""
    scale_x = M / np.cos(np.radians(LAT))
    return shapely.transform(polygon, lambda xy: np.column_stack([LON + xy[:, 0] * scale_x, LAT + xy[:, 1] * M]))


def _layer(shapes: dict, zones: dict, recorded: dict | None = None, zone_of: dict | None = None):
    codes = list(shapes)
    geoms = [_metres(shapes[c]) if not isinstance(shapes[c], bytes) else None for c in codes]
    areas = projected_areas(np.array(geoms, dtype=object))
    wkb = [shapes[c] if isinstance(shapes[c], bytes) else shapely.to_wkb(g) for c, g in zip(codes, geoms)]
    recorded = recorded or {}
    layer = topology.ParcelLayer.from_wkb(
        ids=np.arange(1, len(codes) + 1), codes=np.array(codes, dtype=object),
        zone_codes=np.array([(zone_of or {}).get(c, "Z") for c in codes], dtype=object), wkb=wkb,
        recorded_m2=np.array([recorded.get(c, a if np.isfinite(a) else 1000.0) for c, a in zip(codes, areas)]))
    return layer, {code: shapely.to_wkb(_metres(z)) for code, z in zones.items()}


def _area(polygon) -> float:
    return float(projected_areas(np.array([_metres(polygon)], dtype=object))[0])


def _found(frame) -> set:
    return {(row["kind"], row["codes"]) for row in frame.iter_rows(named=True)}


def _grid():
    """Nine 50 m × 40 m parcels in rows, 2 m apart, inside a zone with 30 m to spare."""
    return {f"P{r}{c}": shapely.box(c * 52, r * 42, c * 52 + 50, r * 42 + 40) for r in range(3) for c in range(3)}


ZONE = {"Z": shapely.box(-30, -30, 186, 156)}


def test_a_clean_layer_has_no_problem():
    layer, zones = _layer(_grid(), ZONE)
    assert topology.find_problems(layer, zones, topology.topology_rules()).is_empty()


def test_each_kind_is_found_and_nothing_else():
    shapes = _grid()
    shapes["P00"] = shapely.Polygon([(0, 0), (50, 40), (50, 0), (0, 40)])  # bow-tie
    shapes["P01"] = affinity.translate(shapes["P01"], 5, 0)  # 3 m into P02
    shapes["P11"] = affinity.translate(shapes["P11"], 1.95, 0)  # 5 cm short of P12
    shapes["P20"] = affinity.translate(shapes["P20"], -40, 0)  # 10 m across the zone's west edge
    shapes["P21"] = shapely.box(52, 84, 102, 85.5)  # a 1.5 m strip (recorded as drawn)
    recorded = {"P21": _area(shapes["P21"]), "P22": _area(shapes["P22"]) * 1.2}
    layer, zones = _layer(shapes, ZONE, recorded)
    frame = topology.find_problems(layer, zones, topology.topology_rules())
    assert _found(frame) == {("invalid", "P00"), ("overlap", "P01、P02"), ("gap", "P11、P12"),
                             ("outside_zone", "P20"), ("sliver", "P21"), ("area_mismatch", "P22")}
    row = {r["kind"]: r for r in frame.iter_rows(named=True)}
    assert row["overlap"]["measure"] == pytest.approx(3 * 40, rel=0.01)  # m², in the equal-area plane
    assert row["gap"]["measure"] == pytest.approx(0.05, abs=0.005)
    assert row["outside_zone"]["measure"] == pytest.approx(10 * 40, rel=0.01)
    assert row["area_mismatch"]["measure"] == pytest.approx(100 * 0.2 / 1.2, rel=0.01)  # % of the recorded area
    assert "Self-intersection" in row["invalid"]["detail"]
    assert row["overlap"]["geometry"].geom_type == "Polygon" and row["gap"]["geometry"].geom_type == "LineString"
    assert list(frame["kind"]) == [k for k in topology.KINDS if k in set(frame["kind"])]  # listed in KINDS order


def test_tolerances_are_the_data_files_and_their_edges_hold():
    rules = topology.topology_rules()
    assert rules.verified is False and rules.source
    shapes = _grid()
    shapes["P01"] = affinity.translate(shapes["P01"], 2.02, 0)  # 0.02 m × 40 m = 0.8 m² overlap: under 1 m²
    shapes["P11"] = affinity.translate(shapes["P11"], 1.85, 0)  # 15 cm gap: wider than 10 cm
    layer, zones = _layer(shapes, ZONE, {"P22": _area(shapes["P22"]) * 1.025})  # 2.4 % off: under 3 %
    assert topology.find_problems(layer, zones, rules).is_empty()
    stricter = rules.model_copy(update={"overlap_min_m2": 0.5, "gap_max_m": 0.2})
    assert {k for k, _ in _found(topology.find_problems(layer, zones, stricter))} == {"overlap", "gap"}


def test_an_unreadable_blob_is_an_invalid_geometry_with_the_reason():
    shapes = _grid()
    ring = shapely.to_wkb(shapely.box(0, 0, 1, 1))
    shapes["P00"] = ring[:-16] + ring[-16:-8] * 2  # the ring's last point repeated wrongly: not closed
    layer, zones = _layer(shapes, ZONE)
    frame = topology.find_problems(layer, zones, topology.topology_rules())
    assert _found(frame) == {("invalid", "P00")} and frame["detail"][0].startswith("图形无效")


def test_a_bad_tolerance_file_is_refused_naming_the_path(tmp_path):
    from parkgov.errors import ConfigError

    path = tmp_path / "t.yaml"
    path.write_text(topology.RULES_FILE.read_text(encoding="utf-8").replace("gap_max_m: 0.1", "gap_max_m: -1"),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="gap_max_m"):
        topology.topology_rules(path)


@pytest.fixture
def drawn(db, tmp_path, actor):
    """The small ledger with SZ-0001 (park SZ) and SZ-0002 (park SZ-XW1) drawn, both recorded twice too large."""
    from parkgov.testing import evaluated_ledger_with_geometry

    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    for parcel in Parcel.objects.exclude(geometry=None):
        parcel.registered_area_m2 = parcel.computed_area_m2 * 2
        parcel.save()
    return Parcel.objects.exclude(geometry=None)


def test_a_run_is_stored_per_check_and_one_park_can_be_checked(drawn):
    everything = check_topology()
    assert everything.parcels == 2 and everything.counts["area_mismatch"] == 2
    assert set(run_problems(run=everything).values_list("codes", flat=True)) == {"SZ-0001", "SZ-0002"}
    one = check_topology(zone_code="SZ-XW1")
    assert one.parcels == 1 and list(run_problems(run=one).values_list("codes", flat=True)) == ["SZ-0002"]
    assert TopologyProblem.objects.filter(run=one).get().zone == Zone.objects.get(code="SZ-XW1")
    from parkgov.errors import NotFound

    with pytest.raises(NotFound, match="没有编码为 XX 的园区"):
        check_topology(zone_code="XX")


def test_the_problems_are_written_as_a_geopackage_gdal_reads_and_as_excel(drawn, tmp_path):
    run = check_topology()
    gpkg, xlsx = tmp_path / "t.gpkg", tmp_path / "t.xlsx"
    assert write_problems(path=gpkg, problems=run_problems(run=run), run=run) == 2
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(gpkg)], capture_output=True, text=True).stdout
    assert "Layer name: 面积不符" in info and "Feature Count: 2" in info and "EPSG" in info and "问题类型" in info
    write_problems(path=xlsx, problems=run_problems(run=run), run=run)
    sheet = fastexcel.read_excel(xlsx).load_sheet("拓扑检查").to_polars()
    assert set(sheet["地块编码"]) == {"SZ-0001", "SZ-0002"} and set(sheet["问题类型"]) == {"面积不符"}
    assert all(w.startswith("POLYGON") for w in sheet["图形（WKT，EPSG:4490）"])
    from parkgov.errors import InputError

    with pytest.raises(InputError, match="应为 .xlsx 或 .gpkg"):
        write_problems(path=tmp_path / "t.csv", problems=[], run=run)


@pytest.mark.django_db(transaction=True)
def test_cli_check_topology_stores_a_run_and_writes_the_file(tmp_path):
    from tests.test_cli import initialised, run
    from parkgov.testing import small_ledger_sheets, write_workbook

    initialised(tmp_path)
    write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    assert run(tmp_path, "import", "ledger.xlsx").returncode == 0
    squares = [shapely.box(120.80, 29.60, 120.802, 29.602), shapely.box(120.80, 29.601, 120.801, 29.603)]  # overlap
    import pyogrio

    pyogrio.raw.write(str(tmp_path / "p.geojson"), geometry=np.asarray(shapely.to_wkb(squares), dtype=object),
                      field_data=[np.asarray(["SZ-0001", "SZ-0002"], dtype=object)], fields=["地块编码"],
                      crs="EPSG:4490", geometry_type="Polygon")
    assert run(tmp_path, "import", "p.geojson").returncode == 0
    result = run(tmp_path, "check", "topology", "--out", "t.gpkg")
    assert result.returncode == 0, result.stderr
    assert "已检查 2 宗地块" in result.stdout and "地块重叠 1" in result.stdout and "已导出 t.gpkg" in result.stdout
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(tmp_path / "t.gpkg")], capture_output=True, text=True)
    assert "Layer name: 地块重叠" in info.stdout
    bad = run(tmp_path, "check", "topology", "--out", "t.csv")
    assert bad.returncode == 2 and "应为 .xlsx 或 .gpkg" in bad.stderr


def test_the_page_and_downloads_show_only_the_users_parks(drawn, client):
    check_topology()
    User = get_user_model()
    scoped = User.objects.create_user("nr-xw1")
    Profile.objects.create(user=scoped, role="natural_resources").zones.set([Zone.objects.get(code="SZ-XW1")])
    everyone = User.objects.create_user("nr-all")
    Profile.objects.create(user=everyone, role="natural_resources")
    for user, expected in ((scoped, {"SZ-0002"}), (everyone, {"SZ-0001", "SZ-0002"})):
        client.force_login(user)
        page = client.get("/map/topology/").content.decode()
        assert {c for c in ("SZ-0001", "SZ-0002") if f">{c}</a>" in page} == expected
        body = b"".join(client.get("/map/topology/problems.xlsx").streaming_content)
        assert set(fastexcel.read_excel(body).load_sheet("拓扑检查").to_polars()["地块编码"]) == expected
    client.force_login(scoped)
    assert client.get("/map/topology/", {"zone": "SZ"}).status_code == 200  # a park out of scope: ignored
    assert ">SZ-0001</a>" not in client.get("/map/topology/", {"zone": "SZ"}).content.decode()


def test_a_check_from_the_page_runs_as_a_job_for_writers_only(drawn, client, django_capture_on_commit_callbacks):
    User = get_user_model()
    reader = User.objects.create_user("eco")
    Profile.objects.create(user=reader, role="ecology")
    client.force_login(reader)
    assert client.post("/map/topology/check/").status_code == 403
    writer = User.objects.create_user("nr")
    Profile.objects.create(user=writer, role="natural_resources")
    client.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/map/topology/check/")
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    from parkgov.jobs.models import Job

    job = Job.objects.get(kind="topology")
    assert job.status == "done" and job.result["counts"]["area_mismatch"] == 2, (job.status, job.message)
    assert json.loads(json.dumps(job.result))["parcels"] == 2


def test_areas_and_perimeters_agree_with_an_equal_area_projection():
    """The ellipsoid's area element gives what pyproj's Albers plane measures (holes and multipolygons too),
    within a part in a million; the perimeters kept with the ledger's geometry (Gauss-Krüger) agree within the
    zone's scale error."""
    from pyproj import Transformer

    shapes = [_metres(shapely.box(0, 0, 50, 40)), _metres(shapely.box(0, 0, 300, 2)),
              _metres(shapely.box(0, 0, 100, 100).difference(shapely.box(20, 20, 40, 40))),
              _metres(shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)]))]
    geoms = np.array(shapes, dtype=object)
    albers = Transformer.from_crs("EPSG:4490", f"+proj=aea +lat_1={LAT - 0.1} +lat_2={LAT + 0.1} +lat_0={LAT} "
                                  f"+lon_0={LON} +ellps=GRS80 +units=m", always_xy=True)
    plane = shapely.transform(geoms, lambda xy: np.column_stack(albers.transform(xy[:, 0], xy[:, 1])))
    assert ellipsoidal_areas(geoms) == pytest.approx(shapely.area(plane), rel=1e-6)
    assert projected_measures(geoms)[1] == pytest.approx(shapely.length(plane), rel=2e-4)


def test_the_map_colours_parcels_by_the_latest_checks_problem(drawn, client, tmp_path):
    """The 拓扑问题 map mode: each drawn parcel's card carries its problem from the latest all-parks check, the
    legend lists the kinds, and a newer check with other tolerances changes what the map shows."""
    User = get_user_model()
    user = User.objects.create_user("nr-map")
    Profile.objects.create(user=user, role="natural_resources")
    client.force_login(user)
    check_topology()
    context = client.get("/map/").context["map"]
    assert [item["value"] for item in context["legends"]["topology"]["items"]] == [*topology.KINDS, None]
    cards = {p.code: client.get(f"/tiles/parcels/{p.pk}.json").json() for p in drawn}
    assert {code: card.get("topology") for code, card in cards.items()} == {"SZ-0001": "area_mismatch",
                                                                            "SZ-0002": "area_mismatch"}
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(topology.RULES_FILE.read_text(encoding="utf-8").replace("relative: 0.03", "relative: 5.0"),
                       encoding="utf-8")
    check_topology(rules_path=lenient)
    cards = {p.code: client.get(f"/tiles/parcels/{p.pk}.json").json() for p in drawn}
    assert {card.get("topology") for card in cards.values()} == {None}


def test_outside_zone_finds_the_parcels_that_the_exact_test_finds():
    """The outside check tests exactly only the parcels meeting the zone's boundary and decides the others by one
    vertex: against a zone with a hole and a second part, it must flag the same parcels as `covers` on each one."""
    rng = np.random.default_rng(5)
    zone = shapely.MultiPolygon([shapely.Polygon([(0, 0), (400, 0), (400, 300), (0, 300)],
                                                 [[(150, 100), (250, 100), (250, 200), (150, 200)]]),
                                 shapely.box(500, 0, 600, 100)])
    x, y = rng.uniform(-60, 640, 300), rng.uniform(-60, 340, 300)
    shapes = {f"R{k:03d}": shapely.box(x[k], y[k], x[k] + 20, y[k] + 15) for k in range(300)}
    layer, zones = _layer(shapes, {"Z": zone})
    found = {row["codes"] for row in topology.find_problems(layer, zones, topology.topology_rules())
             .filter(kind="outside_zone").iter_rows(named=True)}
    boundary = _metres(zone)
    minimum = topology.topology_rules().outside_min_m2
    expected = {code for code, box in shapes.items()
                if not boundary.covers(_metres(box)) and _area(box.difference(zone)) >= minimum}
    assert len(expected) > 50 and found == expected


def test_only_the_parcels_a_check_needs_are_decoded():
    """The candidates come from the stored boxes and measures: a clean layer decodes no geometry, and a layer with
    one overlap and one area mismatch decodes just those three parcels."""
    asked = []

    def counting(layer):
        def load(positions):
            asked.extend(int(p) for p in positions)
            return layer.load(positions)
        return topology.ParcelLayer(**{**layer.__dict__, "load": load})

    wide = {"Z": shapely.box(-1000, -1000, 1200, 1200)}  # no parcel's box near the boundary
    layer, zones = _layer(_grid(), wide)
    assert topology.find_problems(counting(layer), zones, topology.topology_rules()).is_empty() and asked == []
    shapes = _grid()
    shapes["P01"] = affinity.translate(shapes["P01"], 5, 0)
    layer, zones = _layer(shapes, wide, {"P22": _area(shapes["P22"]) * 1.2})
    frame = topology.find_problems(counting(layer), zones, topology.topology_rules())
    assert _found(frame) == {("overlap", "P01、P02"), ("area_mismatch", "P22")}
    assert sorted(str(layer.codes[p]) for p in asked) == ["P01", "P02", "P22"]


def test_parcels_stored_without_their_measures_are_measured_from_the_geometry(drawn):
    """A parcel drawn before the perimeter and validity were kept (migration ledger/0009) is measured from its WKB:
    the check finds the same problems as with the stored measures."""
    assert not drawn.filter(computed_perimeter_m=None).exists()  # the import measured what it stored
    first = check_topology()
    Parcel.objects.update(computed_perimeter_m=None, geometry_problem="")
    again = check_topology()
    assert first.counts == again.counts and first.counts["area_mismatch"] == 2
    bow_tie = shapely.Polygon([(120.8, 29.6), (120.801, 29.601), (120.801, 29.6), (120.8, 29.601)])
    Parcel.objects.filter(code="SZ-0001").update(geometry=shapely.to_wkb(bow_tie), computed_perimeter_m=None)
    assert check_topology().counts["invalid"] == 1
