"""Issue 17 §2: parcel split (by a line, by polygons) and merge with lineage, refusals, codes, carried links and
figures, old parcels ended not deleted, audit rows, the API, the as-of query and the lineage graph."""

import datetime as dt
import json

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import scope_for
from parkgov.errors import InputError, NotFound
from parkgov.ledger.models import LandLink, Parcel, ParcelLineage, Zone
from parkgov.ledger.split import editing_rules, lineage_component, merge_parcels, parcels_on, split_parcel
from parkgov.ledger.geometry import ellipsoidal_areas
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 1)
WEST, SOUTH, EAST, NORTH = 120.80, 29.60, 120.802, 29.602  # SZ-0001 as the fixture draws it


@pytest.fixture
def ledger(db, tmp_path, actor):
    """The small ledger with SZ-0001 (park SZ, 宗地代码 330683001002GB00012) and SZ-0002 (park SZ-XW1) drawn."""
    drawn_ledger(folder=tmp_path, actor=actor)
    return Parcel.objects.get(code="SZ-0001")


def drawn_ledger(*, folder, actor):
    """`evaluated_ledger_with_geometry` without its evaluation run (nine seconds a test on a loaded machine)."""
    import numpy as np
    import pyogrio

    from parkgov.accounts.services import ensure_demo_accounts
    from parkgov.ingest.gis import import_geometry
    from parkgov.ingest.services import import_workbook

    import_workbook(path=write_workbook(folder / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    squares = [shapely.box(WEST, SOUTH, EAST, NORTH), shapely.box(120.90, 29.70, 120.901, 29.701)]
    pyogrio.raw.write(str(folder / "parcels.geojson"), geometry=np.asarray(shapely.to_wkb(squares), dtype=object),
                      field_data=[np.asarray(["SZ-0001", "SZ-0002"], dtype=object)], fields=["地块编码"],
                      crs="EPSG:4490", geometry_type="Polygon")
    import_geometry(path=folder / "parcels.geojson", actor=actor)
    ensure_demo_accounts()


@pytest.fixture
def admin():
    return get_user_model().objects.get(username="admin")


def scope(user):
    return scope_for(user)


def north_south_line(lon):
    return shapely.LineString([(lon, SOUTH - 0.001), (lon, NORTH + 0.001)])


def strips(count):
    step = (EAST - WEST) / count
    return [shapely.box(WEST + k * step, SOUTH, WEST + (k + 1) * step, NORTH) for k in range(count)]


def test_split_by_a_line_writes_two_parts_ends_the_parcel_and_records_lineage(ledger, admin):
    result = split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON,
                          land_codes=["330683001002GB00031"])
    ledger.refresh_from_db()
    assert ledger.ended_on == ON and Parcel.objects.filter(code="SZ-0001").exists()  # ended, never deleted
    parts = {p.code: p for p in result.created}
    assert set(parts) == {"SZ-0001-1", "SZ-0001-2"}  # the provisional code rule of data/editing.yaml
    first, second = parts["SZ-0001-1"], parts["SZ-0001-2"]
    assert first.land_code == "330683001002GB00031" and not first.code_provisional
    assert second.land_code is None and second.code_provisional
    assert {p.started_on for p in parts.values()} == {ON}
    # a quarter and three quarters of the drawn area; the recorded 土地面积 split alike and adding up exactly
    assert first.registered_area_m2 == pytest.approx(20000 * 0.25, rel=1e-3)
    assert first.registered_area_m2 + second.registered_area_m2 == pytest.approx(20000, abs=0.005)
    assert first.floor_area_m2 == pytest.approx(26000 * first.registered_area_m2 / 20000, abs=0.02)
    assert sum(ellipsoidal_areas(shapely.from_wkb([bytes(p.geometry) for p in parts.values()]))) == pytest.approx(
        ellipsoidal_areas([shapely.from_wkb(bytes(ledger.geometry))])[0], rel=1e-9)
    edges = ParcelLineage.objects.filter(operation_id=result.operation_id)
    assert {(e.parent.code, e.child.code, e.operation, e.effective_date) for e in edges} == {
        ("SZ-0001", "SZ-0001-1", "split", ON), ("SZ-0001", "SZ-0001-2", "split", ON)}


def test_links_are_carried_by_area_share_and_the_old_ones_end_the_day_before(ledger, admin):
    split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON)
    old = {link.enterprise.credit_code: link for link in LandLink.objects.filter(parcel=ledger)}
    assert {link.end_date for link in old.values()} == {ON - dt.timedelta(days=1)}
    new = LandLink.objects.filter(parcel__code__startswith="SZ-0001-")
    holder = {link.parcel.code: link.land_area_m2 for link in new if link.enterprise.credit_code == uscc(1)}
    assert holder["SZ-0001-1"] == pytest.approx(5000, rel=1e-3) and sum(holder.values()) == pytest.approx(20000)
    tenant = [link for link in new if link.enterprise.credit_code == uscc(3)]
    assert {link.end_date for link in tenant} == {dt.date(2030, 12, 31)} and len(tenant) == 2
    assert sum(link.floor_area_m2 for link in tenant) == pytest.approx(3000)
    assert {link.start_date for link in new} == {ON}


def test_links_all_to_the_largest_or_as_chosen_and_figures_kept_on_the_largest(ledger, admin):
    chosen = {link.pk: (1 if link.role == "holder" else 2) for link in LandLink.objects.filter(parcel=ledger)}
    split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON,
                 links="chosen", chosen=chosen, figures="largest")
    new = {(link.enterprise.credit_code, link.parcel.code) for link in LandLink.objects.filter(start_date=ON)}
    assert new == {(uscc(1), "SZ-0001-1"), (uscc(3), "SZ-0001-2")}
    parts = {p.code: p for p in Parcel.objects.filter(code__startswith="SZ-0001-")}
    assert parts["SZ-0001-2"].floor_area_m2 == 26000 and parts["SZ-0001-1"].floor_area_m2 is None
    other = Parcel.objects.get(code="SZ-0001-2")
    result = split_parcel(scope=scope(admin), parcel=other, by=north_south_line(120.8015), actor=admin,
                          on=ON + dt.timedelta(days=1), links="largest", figures="blank")
    largest = max(result.created, key=lambda p: p.registered_area_m2)
    assert {link.parcel_id for link in LandLink.objects.filter(start_date=ON + dt.timedelta(days=1))} == {largest.pk}
    assert {p.floor_area_m2 for p in result.created} == {None}


def test_split_by_polygons_and_merge_back(ledger, admin):
    result = split_parcel(scope=scope(admin), parcel=ledger, by=strips(3), actor=admin, on=ON,
                          codes=["A", "B", "C"])
    assert [p.code for p in result.created] == ["A", "B", "C"]
    merged = merge_parcels(scope=scope(admin), parcels=["A", "B"], actor=admin, on=ON + dt.timedelta(days=10))
    (whole,) = merged.created
    assert whole.code == "A-H1" and whole.code_provisional  # the merge rule of data/editing.yaml
    assert whole.registered_area_m2 == pytest.approx(20000 * 2 / 3, rel=1e-3)
    assert whole.floor_area_m2 == pytest.approx(26000 * 2 / 3, rel=1e-3)
    assert set(Parcel.objects.filter(code__in=["A", "B"]).values_list("ended_on", flat=True)) == {
        ON + dt.timedelta(days=10)}
    holder = LandLink.objects.get(parcel=whole, enterprise__credit_code=uscc(1))  # one link, the shares summed
    assert holder.land_area_m2 == pytest.approx(20000 * 2 / 3, rel=1e-3)
    depth, edges = lineage_component(whole.pk)
    codes = dict(Parcel.objects.filter(pk__in=depth).values_list("id", "code"))
    assert {codes[i]: d for i, d in depth.items()} == {"A-H1": 0, "A": -1, "B": -1, "SZ-0001": -2, "C": -1}
    assert len(edges) == 5


@pytest.mark.parametrize("by,message", [
    (shapely.LineString([(WEST - 0.001, SOUTH - 0.001), (WEST - 0.0005, NORTH)]), "没有把地块 SZ-0001 分成两块"),
    (shapely.LineString([(120.8005, SOUTH + 0.0005), (120.8005, NORTH + 0.001)]), "没有把地块 SZ-0001 分成两块"),
    ([shapely.box(WEST, SOUTH, 120.801, NORTH), shapely.box(120.801, SOUTH, 120.8018, NORTH)], "不吻合"),
    ([shapely.box(WEST, SOUTH, 120.8012, NORTH), shapely.box(120.8008, SOUTH, EAST, NORTH)], "相互重叠"),
    ([shapely.box(WEST, SOUTH, EAST, NORTH)], "至少需要两个面"),
])
def test_refused_splits_say_why_and_write_nothing(ledger, admin, by, message):
    before = (Parcel.objects.count(), LandLink.objects.count(), ParcelLineage.objects.count())
    with pytest.raises(InputError, match=message):
        split_parcel(scope=scope(admin), parcel=ledger, by=by, actor=admin, on=ON)
    assert (Parcel.objects.count(), LandLink.objects.count(), ParcelLineage.objects.count()) == before
    assert Parcel.objects.get(code="SZ-0001").ended_on is None


def test_refused_codes(ledger, admin):
    with pytest.raises(InputError, match="第2宗新地块的宗地代码 330683001002GB0003 无效"):
        split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin,
                     land_codes=[None, "330683001002GB0003"])
    with pytest.raises(InputError, match="土地权属与宗地代码"):  # state land, a collective (J) code
        split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin,
                     land_codes=["330683001002JA00031"])
    with pytest.raises(InputError, match="已被其他地块使用"):
        split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin,
                     land_codes=["330683001002GB00012"])
    with pytest.raises(InputError, match="地块编码 SZ-0002 已被使用"):
        split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin,
                     codes=["SZ-0002"])


def test_refused_merges(ledger, admin):
    split_parcel(scope=scope(admin), parcel=ledger, by=strips(3), actor=admin, on=ON, codes=["A", "B", "C"])
    with pytest.raises(InputError, match="地块 A、C 与其他地块不相接"):
        merge_parcels(scope=scope(admin), parcels=["A", "C"], actor=admin)
    with pytest.raises(InputError, match="只能合并同一园区内的地块"):
        merge_parcels(scope=scope(admin), parcels=["A", "SZ-0002"], actor=admin)
    with pytest.raises(InputError, match="已于 2026-03-01 灭失"):
        merge_parcels(scope=scope(admin), parcels=["SZ-0001", "A"], actor=admin)
    with pytest.raises(InputError, match="至少需要两宗"):
        merge_parcels(scope=scope(admin), parcels=["A"], actor=admin)


def test_a_change_dated_in_the_future_or_before_the_parcel_began_is_refused(ledger, admin):
    """Issue 17 §2: the service refused nothing about `on`; a future date or one before 启用日期 is now refused."""
    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = (Parcel.objects.count(), LandLink.objects.count(), ParcelLineage.objects.count())
    with pytest.raises(InputError, match=f"生效日期 {tomorrow:%Y-%m-%d} 晚于今天"):
        split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=tomorrow)
    assert (Parcel.objects.count(), LandLink.objects.count(), ParcelLineage.objects.count()) == before
    split_parcel(scope=scope(admin), parcel=ledger, by=strips(3), actor=admin, on=ON, codes=["A", "B", "C"])
    with pytest.raises(InputError, match="生效日期 2026-03-01 应晚于地块 A 的启用日期 2026-03-01"):
        merge_parcels(scope=scope(admin), parcels=["A", "B"], actor=admin, on=ON)
    with pytest.raises(InputError, match="生效日期 2026-02-01 应晚于地块 B 的启用日期 2026-03-01"):
        split_parcel(scope=scope(admin), parcel=Parcel.objects.get(code="B"), by=north_south_line(120.8010),
                     actor=admin, on=dt.date(2026, 2, 1))
    with pytest.raises(InputError, match="晚于今天"):
        merge_parcels(scope=scope(admin), parcels=["A", "B"], actor=admin, on=tomorrow)
    assert Parcel.objects.filter(code__in=["A", "B"], ended_on=None).count() == 2


def test_the_api_refuses_a_future_or_too_early_date(ledger, admin, client):
    from django.utils import timezone

    client.force_login(admin)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    line = json.loads(shapely.to_geojson(north_south_line(120.8005)))
    url = reverse("api:split_parcel", args=["SZ-0001"])
    refused = client.post(url, {"line": line, "on": tomorrow.isoformat()}, content_type="application/json")
    assert refused.status_code == 422 and f"生效日期 {tomorrow:%Y-%m-%d} 晚于今天" in refused.json()["error"]["message"]
    assert Parcel.objects.get(code="SZ-0001").ended_on is None
    assert client.post(url, {"line": line, "on": ON.isoformat()}, content_type="application/json").status_code == 200
    early = client.post(reverse("api:merge_parcels"), {"codes": ["SZ-0001-1", "SZ-0001-2"], "on": "2026-02-28"},
                        content_type="application/json")
    assert early.status_code == 422
    assert early.json()["error"]["message"] == "生效日期 2026-02-28 应晚于地块 SZ-0001-1 的启用日期 2026-03-01"
    assert not ParcelLineage.objects.filter(operation="merge").exists()


def test_roles_and_parks_that_may_not_edit_are_refused(ledger):
    economy = get_user_model().objects.get(username="economy")
    with pytest.raises(PermissionDenied):
        split_parcel(scope=scope(economy), parcel=ledger, by=north_south_line(120.8005), actor=economy)
    planner = get_user_model().objects.get(username="natural_resources")
    planner.profile.zones.set([Zone.objects.get(code="SZ-XW1")])
    with pytest.raises(NotFound):
        split_parcel(scope=scope(planner), parcel=ledger, by=north_south_line(120.8005), actor=planner)
    planner.profile.zones.set([Zone.objects.get(code="SZ")])
    result = split_parcel(scope=scope(planner), parcel=ledger, by=north_south_line(120.8005), actor=planner)
    assert len(result.created) == 2


def test_every_row_written_has_an_audit_record_naming_the_actor_and_operation(ledger, admin):
    result = split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON)
    reason = f"分割地块 SZ-0001（{result.operation_id}）"
    ended = Parcel.history.filter(id=ledger.pk).first()
    assert ended.history_type == "~" and ended.ended_on == ON
    assert (ended.history_user, ended.history_change_reason) == (admin, reason)
    for model, count in ((Parcel, 3), (LandLink, 6), (ParcelLineage, 2)):
        rows = model.history.filter(history_change_reason=reason)
        assert rows.count() == count and {r.history_user for r in rows} == {admin}, model


def test_parcels_as_they_were_on_a_date(ledger, admin):
    split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON)

    def codes(on, **kwargs):
        return {f["properties"]["code"] for f in parcels_on(scope=scope(admin), on=on, **kwargs)["features"]}

    assert codes(ON - dt.timedelta(days=1)) == {"SZ-0001", "SZ-0002"}
    assert codes(ON) == {"SZ-0001-1", "SZ-0001-2", "SZ-0002"}
    assert codes(ON, bounds=(WEST, SOUTH, 120.8004, NORTH)) == {"SZ-0001-1"}
    assert codes(ON - dt.timedelta(days=1), lineage_of="SZ-0001-2") == {"SZ-0001"}
    # with the zone code and 供地状态 the tiles carry: the map filters this layer as it filters today's parcels
    found = {f["properties"]["code"]: f["properties"] for f in parcels_on(scope=scope(admin), on=ON)["features"]}
    for code, plot in ((code, Parcel.objects.select_related("zone").get(code=code)) for code in found):
        assert (found[code]["zone"], found[code]["supply_status"]) == (plot.zone.code, plot.supply_status), code
    assert found["SZ-0002"]["zone"] == "SZ-XW1"
    planner = get_user_model().objects.get(username="natural_resources")
    planner.profile.zones.set([Zone.objects.get(code="SZ-XW1")])
    assert {f["properties"]["code"] for f in parcels_on(scope=scope(planner), on=ON)["features"]} == {"SZ-0002"}


def test_the_api_splits_merges_and_answers_as_of(ledger, admin, client):
    client.force_login(admin)
    line = json.loads(shapely.to_geojson(north_south_line(120.8005)))
    url = reverse("api:split_parcel", args=["SZ-0001"])
    refused = client.post(url, {"line": json.loads(shapely.to_geojson(north_south_line(120.81)))},
                          content_type="application/json")
    assert refused.status_code == 422 and "没有把地块 SZ-0001 分成两块" in refused.json()["error"]["message"]
    done = client.post(url, {"line": line, "on": ON.isoformat(), "links": "largest"}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert [p["code"] for p in done.json()["created"]] == ["SZ-0001-1", "SZ-0001-2"]
    merged = client.post(reverse("api:merge_parcels"), {"codes": ["SZ-0001-1", "SZ-0001-2"], "code": "SZ-0001M",
                                                        "on": "2026-04-01"}, content_type="application/json")
    assert merged.status_code == 200, merged.content
    assert merged.json()["created"][0]["code"] == "SZ-0001M"
    answer = client.get(reverse("api:list_parcels_on", args=["2026-03-15"]), {"lineage_of": "SZ-0001M"})
    assert {f["properties"]["code"] for f in answer.json()["features"]} == {"SZ-0001-1", "SZ-0001-2"}
    client.force_login(get_user_model().objects.get(username="economy"))
    assert client.post(reverse("api:merge_parcels"), {"codes": ["SZ-0001M", "SZ-0002"]},
                       content_type="application/json").status_code == 403


def test_the_map_page_offers_the_as_of_layer_and_a_bad_day_is_answered_in_chinese(ledger, admin, client):
    """Issue 17 §2: 一张图 draws the parcels valid on a chosen day from the scoped as-of endpoint."""
    client.force_login(admin)
    page = client.get(reverse("web:map")).content.decode()
    assert 'id="map-as-of"' in page and "历史地块 日期" in page and "spatial/map_as_of.js" in page
    assert '"as_of_url": "/api/parcels/on/__DAY__"' in page
    split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON)
    view = {"bbox": f"{WEST - 0.01},{SOUTH - 0.01},{EAST + 0.01},{NORTH + 0.01}"}
    answer = client.get("/api/parcels/on/2026-02-28", view).json()
    assert [f["properties"]["code"] for f in answer["features"]] == ["SZ-0001"] and not answer["truncated"]
    for bad in ("2026-02-30", "2026-1-1", "昨天"):
        refused = client.get(f"/api/parcels/on/{bad}", view)
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["message"] == f"请求参数有误：path.day 应为日期（年-月-日，如 2024-06-30），收到 {bad}"


def test_rules_are_data_with_source():
    rules = editing_rules()
    assert rules.source and rules.verified is False and rules.area_tolerance.limit(100) == 5.0


def test_the_split_page_previews_then_confirms_and_the_dossier_draws_the_lineage(ledger, admin, client):
    client.force_login(admin)
    page = client.get(reverse("web:parcel", args=["SZ-0001"]))
    assert reverse("ledger:split", args=["SZ-0001"]) in page.content.decode()
    url = reverse("ledger:split", args=["SZ-0001"])
    line = shapely.to_geojson(north_south_line(120.8005))
    preview = client.post(url, {"line": line, "on": "2026-03-01", "links": "area_share", "figures": "proportional",
                                "preview": "1"})
    text = preview.content.decode()
    assert preview.status_code == 200 and "SZ-0001-1" in text and 'id="edit-confirm"' in text
    assert not Parcel.objects.filter(code="SZ-0001-1").exists()  # a preview writes nothing
    missed = client.post(url, {"line": shapely.to_geojson(north_south_line(120.81)), "preview": "1"})
    assert "没有把地块 SZ-0001 分成两块" in missed.content.decode()
    done = client.post(url, {"line": line, "on": "2026-03-01", "links": "largest", "figures": "proportional",
                             "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("web:parcel", args=["SZ-0001-1"])
    dossier = client.get(reverse("web:parcel", args=["SZ-0001-1"])).content.decode()
    assert 'class="lineage-graph"' in dossier and reverse("web:parcel", args=["SZ-0001"]) in dossier
    assert "SZ-0001-2" in dossier and 'id="as-of-date"' in dossier
    old = client.get(reverse("web:parcel", args=["SZ-0001"])).content.decode()
    assert "已于 2026-03-01 灭失" in old and 'id="split-action"' not in old
    client.force_login(get_user_model().objects.get(username="economy"))
    assert client.get(reverse("ledger:merge", args=["SZ-0001-1"])).status_code == 403
    assert 'id="split-action"' not in client.get(reverse("web:parcel", args=["SZ-0001-1"])).content.decode()


def test_parts_uploaded_as_a_geopackage_split_the_parcel(ledger, admin, client, tmp_path):
    from parkgov.testing import write_layer_file

    path = write_layer_file(tmp_path / "parts.gpkg", strips(2))
    client.force_login(admin)
    with path.open("rb") as handle:
        done = client.post(reverse("ledger:split", args=["SZ-0001"]), {"parts_file": handle, "confirm": "1",
                                                                        "codes": "W,E"})
    assert done.status_code == 302, done.content.decode()[-2000:]
    assert set(Parcel.objects.filter(started_on__isnull=False).values_list("code", flat=True)) == {"W", "E"}


def test_the_demo_splits_one_parcel_into_three_and_merges_two(ledger, admin):
    from parkgov.demo.split_merge import MERGE_ON, SPLIT_ON, build_split_merge

    written = build_split_merge(seed=1, say=lambda *_: None)
    assert written == {"split": "SZ-0001", "parts": ["SZ-0001-1", "SZ-0001-2", "SZ-0001-3"], "merged": "SZ-0001-2-H1"}
    merged = Parcel.objects.get(code="SZ-0001-2-H1")
    depth, edges = lineage_component(merged.pk)
    assert len(depth) == 5 and len(edges) == 5 and merged.started_on == MERGE_ON
    assert Parcel.objects.get(code="SZ-0001").ended_on == SPLIT_ON

    def drawn_on(day):  # what the map's 历史地块 layer draws of this lineage on `day`
        return {f["properties"]["code"] for f in parcels_on(scope=scope(admin), on=day)["features"]} & set(depth_codes)

    depth_codes = set(Parcel.objects.filter(pk__in=depth).values_list("code", flat=True))
    assert drawn_on(SPLIT_ON - dt.timedelta(days=1)) == {"SZ-0001"}
    assert drawn_on(SPLIT_ON) == drawn_on(MERGE_ON - dt.timedelta(days=1)) == {"SZ-0001-1", "SZ-0001-2", "SZ-0001-3"}
    assert drawn_on(MERGE_ON) == {"SZ-0001-1", "SZ-0001-2-H1"}
    assert sum(p.registered_area_m2 for p in Parcel.objects.filter(ended_on=None, code__startswith="SZ-0001")) == \
        pytest.approx(20000, abs=0.01)


def test_the_dossier_pdf_draws_the_lineage_graph(ledger, admin, client):
    import subprocess

    split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON)
    client.force_login(admin)
    response = client.get(reverse("reports:parcel_pdf", args=["SZ-0001-2"]))
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True,
                          check=True).stdout.decode()
    assert "2026-03-01 – 至今" in text and "… – 2026-03-01" in text  # the boxes of the graph, not the table
    assert "已灭失" not in text  # the new parcel is current


def test_an_ended_parcels_pdf_dossier_says_when_how_and_what_took_it_over(ledger, admin, client):
    """Issue 17 §2: the web dossier of an ended parcel said 已灭失, the PDF did not."""
    import subprocess

    split_parcel(scope=scope(admin), parcel=ledger, by=north_south_line(120.8005), actor=admin, on=ON)
    client.force_login(admin)
    response = client.get(reverse("reports:parcel_pdf", args=["SZ-0001"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())  # pdftotext breaks lines where the page does
    assert "一地一档·已灭失" in flat
    assert "该地块已于2026-03-01因分割灭失" in flat
    assert "承继地块：SZ-0001-1、SZ-0001-2" in flat
    assert "灭失日期2026-03-01" in flat
