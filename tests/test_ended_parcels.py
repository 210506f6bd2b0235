"""Issue 17 §2 (follow-up): parcels ended by a split or merge leave every current view of the ledger — the frames
of the cockpit, evaluation and lists, the parcel list, GET /api/parcels, the map search, the GIS export — and stay
reachable where history matters (their dossier, the list's 已灭失 filter, the API's state=ended, the exchange
workbook, which takes them round as ended, with their 临时编码 flag and the 地块沿革 sheet). The land of a firm in the year of a split is counted once."""

import datetime as dt

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.accounts.scopes import scope_for
from parkgov.errors import ImportRejected
from parkgov.evaluation.inputs import firm_inputs
from parkgov.evaluation.ruleset import get_ruleset
from parkgov.governance.inputs import list_inputs
from parkgov.ingest.export import export_ledger, ledger_frames
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import LandLink, Parcel, ParcelLineage
from parkgov.ledger.services import ledger_summary, links_in_year, parcel_frame
from parkgov.ledger.split import merge_parcels, split_parcel
from parkgov.spatial.map_tools import search_map
from parkgov.testing import small_ledger_sheets, uscc, write_workbook
from parkgov.web.lists import list_totals, parcel_listing
from parkgov.web.services import cockpit, cockpit_config
from tests.test_round_trip import _comparable, _empty_ledger
from tests.test_split_merge import ON, drawn_ledger, north_south_line

pytestmark = pytest.mark.django_db
YEAR = ON.year
PARTS = {"SZ-0001-1", "SZ-0001-2"}


@pytest.fixture
def admin(tmp_path, actor):
    drawn_ledger(folder=tmp_path, actor=actor)
    return get_user_model().objects.get(username="admin")


def split(admin, **kwargs):
    return split_parcel(scope=scope_for(admin), parcel=Parcel.objects.get(code="SZ-0001"), actor=admin, on=ON,
                        by=north_south_line(120.8005), **kwargs)


def land_mu(year=YEAR) -> dict:
    rule = get_ruleset(cockpit_config()["evaluation_ruleset"]).land
    firms = firm_inputs(year=year, zone_ids=None, land_rule=rule)
    return dict(firms.select("credit_code", "land_mu").iter_rows())


def listed_codes(admin, **params) -> list:
    return list(parcel_listing(scope=scope_for(admin), params=params).rows.values_list("code", flat=True))


def test_a_firms_land_in_the_split_year_is_counted_once(admin):
    """Before the fix the old link (ended the day before) and the carried shares were both in force in 2026: firm 1
    had 60 亩 instead of 30; its tenant's leased land counted twice too."""
    before, before_previous = land_mu(), land_mu(YEAR - 1)
    split(admin)
    after = land_mu()
    tolerance = 0.01  # 亩: the carried areas are rounded to 0.01 m² per part
    for code in (uscc(1), uscc(2), uscc(3)):
        assert after[code] == pytest.approx(before[code], abs=tolerance), code
    assert after[uscc(1)] > 0
    assert land_mu(YEAR - 1) == before_previous  # the year before: the old parcel, as it was
    carried = links_in_year(year=YEAR, columns=["enterprise_id", "role"])
    codes = dict(Parcel.objects.values_list("id", "code"))
    assert {codes[i] for i in carried.get_column("parcel_id").to_list()} == PARTS | {"SZ-0002"}
    assert {codes[i] for i in links_in_year(year=YEAR - 1, columns=["role"]).get_column("parcel_id")} == {
        "SZ-0001", "SZ-0002"}


def test_a_link_that_ended_before_the_split_still_counts_for_its_days(admin):
    tenant = LandLink.objects.get(parcel__code="SZ-0001", enterprise__credit_code=uscc(3))
    tenant.end_date = dt.date(YEAR, 1, 31)  # left in January, before the split of 1 March: not carried
    tenant.save()
    split(admin)
    assert not LandLink.objects.filter(parcel__code__in=PARTS, enterprise__credit_code=uscc(3)).exists()
    found = links_in_year(year=YEAR, columns=["enterprise_id"])
    assert tenant.pk in found.get_column("id").to_list()
    assert land_mu()[uscc(3)] > 0


def test_merge_year_counts_the_merged_land_once(admin):
    split(admin)
    before = land_mu()
    merge_parcels(scope=scope_for(admin), parcels=sorted(PARTS), actor=admin, code="SZ-0001M", on=ON + dt.timedelta(days=10))
    assert land_mu()[uscc(1)] == pytest.approx(before[uscc(1)], abs=0.01)


def test_cockpit_summary_and_list_totals_keep_the_land_and_count_the_new_parcels(admin):
    user = scope_for(admin)
    kpis = lambda: {k["key"]: k["value"] for k in cockpit(scope=user, year=YEAR)["kpis"]}  # noqa: E731
    before_kpis, before_summary = kpis(), ledger_summary()
    before_totals = list_totals(listing=parcel_listing(scope=user, params={}))
    split(admin)
    after_kpis, after_summary = kpis(), ledger_summary()
    after_totals = list_totals(listing=parcel_listing(scope=user, params={}))
    assert after_kpis["land"] == pytest.approx(before_kpis["land"], abs=0.05)
    assert after_summary["land_mu"] == pytest.approx(before_summary["land_mu"], abs=0.01)
    assert after_summary["parcels"] == before_summary["parcels"] + 1  # one parcel became two
    assert after_totals["rows"] == before_totals["rows"] + 1
    assert after_totals["registered_m2"] == pytest.approx(before_totals["registered_m2"], abs=0.01)
    assert set(parcel_frame().get_column("code")) == {"SZ-0002", "SZ-0003"} | PARTS


def test_the_parcel_list_shows_current_parcels_unless_asked(admin, client):
    split(admin)
    assert listed_codes(admin) == ["SZ-0001-1", "SZ-0001-2", "SZ-0002", "SZ-0003"]
    assert listed_codes(admin, state="current") == listed_codes(admin)
    assert listed_codes(admin, state="ended") == ["SZ-0001"]
    assert listed_codes(admin, state="all") == ["SZ-0001", "SZ-0001-1", "SZ-0001-2", "SZ-0002", "SZ-0003"]
    assert listed_codes(admin, state="nonsense") == listed_codes(admin)  # an invalid value is ignored
    client.force_login(admin)
    page = client.get(reverse("web:parcels")).content.decode()
    assert 'name="state"' in page and ">SZ-0001-1<" in page and ">SZ-0001<" not in page
    ended = client.get(reverse("web:parcels"), {"state": "ended"}).content.decode()
    assert ">SZ-0001<" in ended and ON.isoformat() in ended  # with its 灭失日期 column
    export = parcel_listing(scope=scope_for(admin), params={"state": "ended"}).export_columns
    assert "ended_on" in [path for _h, path, _c in export]


def test_the_api_lists_current_parcels_and_still_answers_for_an_ended_one(admin, client):
    split(admin)
    client.force_login(admin)
    codes = lambda **q: [f["id"] for f in client.get(reverse("api:list_parcels"), q).json()["features"]]  # noqa: E731
    assert codes() == ["SZ-0001-1", "SZ-0001-2", "SZ-0002", "SZ-0003"]
    assert codes(state="ended") == ["SZ-0001"]
    assert len(codes(state="all")) == 5
    assert client.get(reverse("api:list_parcels"), {"state": "x"}).status_code == 422
    one = client.get(reverse("api:get_parcel", args=["SZ-0001"])).json()
    assert one["properties"]["ended_on"] == ON.isoformat()
    firm = client.get(reverse("api:get_enterprise", args=[uscc(1)])).json()
    assert {(link["parcel_code"], link["parcel_ended_on"]) for link in firm["land_links"]} == {
        ("SZ-0001", ON.isoformat()), ("SZ-0001-1", None), ("SZ-0001-2", None)}


def test_the_dossier_of_an_ended_parcel_opens_and_names_its_successors(admin, client):
    split(admin)
    client.force_login(admin)
    page = client.get(reverse("web:parcel", args=["SZ-0001"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="ended-notice"' in text and ON.isoformat() in text and "分割" in text
    for code in PARTS:
        assert reverse("web:parcel", args=[code]) in text
    assert 'id="ended-notice"' not in client.get(reverse("web:parcel", args=["SZ-0001-1"])).content.decode()


def test_map_search_and_governance_inputs_leave_ended_parcels_out(admin):
    split(admin)
    hits = search_map(query="SZ-0001", scope=scope_for(admin))
    assert {hit["code"] for hit in hits} == PARTS
    inputs = list_inputs(year=YEAR)
    assert set(inputs.parcels.get_column("parcel_code")) == {"SZ-0002", "SZ-0003"} | PARTS
    codes = dict(Parcel.objects.values_list("id", "code"))
    assert "SZ-0001" not in {codes[i] for i in inputs.links.get_column("parcel_id").to_list()}


def test_the_gis_export_holds_current_parcels(admin, tmp_path):
    import pyogrio

    from parkgov.ingest.gis import export_geometry

    split(admin)
    assert export_geometry(path=tmp_path / "parcels.gpkg") == 3  # SZ-0003 has no geometry
    info = pyogrio.raw.read(str(tmp_path / "parcels.gpkg"), columns=["地块编码"], read_geometry=False)
    assert sorted(info[3][0].tolist()) == ["SZ-0001-1", "SZ-0001-2", "SZ-0002"]


def test_the_ledger_round_trip_keeps_ended_parcels_ended(admin, tmp_path, actor):
    split(admin)
    before = _comparable(ledger_frames())
    assert dict(before["地块"].select("code", "ended_on").iter_rows())["SZ-0001"] == ON
    out = tmp_path / "ledger.xlsx"
    export_ledger(path=out)
    assert before["地块沿革"].height == 2 and set(before["地块"].get_column("code_provisional")) == {"yes", "no"}
    _empty_ledger()
    assert not ParcelLineage.objects.exists()
    report = import_workbook(path=out, actor=actor)
    assert report.ok, report
    after = _comparable(ledger_frames())
    for name, frame in before.items():
        assert frame.equals(after[name]), name
    assert list(Parcel.objects.current().values_list("code", flat=True)) == ["SZ-0001-1", "SZ-0001-2", "SZ-0002",
                                                                             "SZ-0003"]
    assert Parcel.objects.get(code="SZ-0001").ended_on == ON
    assert set(parcel_frame().get_column("code")) == {"SZ-0002", "SZ-0003"} | PARTS


def test_an_old_workbook_does_not_revive_an_ended_parcel_and_an_import_cannot_change_the_dates(admin, tmp_path,
                                                                                                actor):
    split(admin)
    report = import_workbook(path=write_workbook(tmp_path / "old.xlsx", small_ledger_sheets()), actor=actor)
    assert report.ok  # the workbook from before the split: no 灭失日期 column, the stored date stays
    assert Parcel.objects.get(code="SZ-0001").ended_on == ON
    frames = ledger_frames()
    parcels = frames["地块"].with_columns(pl.when(pl.col("code") == "SZ-0001").then(None)
                                          .otherwise(pl.col("ended_on")).alias("ended_on"))
    from parkgov.ingest.export import write_exchange_workbook

    write_exchange_workbook(path=tmp_path / "blank.xlsx", frames={"地块": parcels})
    assert import_workbook(path=tmp_path / "blank.xlsx", actor=actor).ok  # a blank cell keeps the stored date
    assert Parcel.objects.get(code="SZ-0001").ended_on == ON
    changed = ledger_frames()["地块"].with_columns(pl.when(pl.col("code") == "SZ-0001").then(pl.lit(dt.date(2026, 5, 1)))
                                                  .otherwise(pl.col("ended_on")).alias("ended_on"))
    write_exchange_workbook(path=tmp_path / "changed.xlsx", frames={"地块": changed})
    with pytest.raises(ImportRejected) as refused:
        import_workbook(path=tmp_path / "changed.xlsx", actor=actor)
    assert [(i.column, i.message) for i in refused.value.report.issues.items] == [
        ("灭失日期", f"灭失日期由分割或合并设定，不能通过导入修改（系统中为 {ON:%Y-%m-%d}）")]
    assert Parcel.objects.get(code="SZ-0001").ended_on == ON


def test_the_provisional_flag_goes_round_and_a_blank_cell_keeps_it(admin, tmp_path, actor):
    """Issue 17 §2: 地块's 临时编码 column: 是/否 exported, changed by an import, kept where the cell is blank."""
    from parkgov.ingest.export import write_exchange_workbook

    split(admin, land_codes=["330683001002GB00031"])
    parcels = ledger_frames()["地块"]
    assert dict(parcels.select("code", "code_provisional").iter_rows()) == {
        "SZ-0001": "no", "SZ-0001-1": "no", "SZ-0001-2": "yes", "SZ-0002": "no", "SZ-0003": "no"}
    write_exchange_workbook(path=tmp_path / "blank.xlsx",
                            frames={"地块": parcels.with_columns(pl.lit(None, pl.String).alias("code_provisional"))})
    assert import_workbook(path=tmp_path / "blank.xlsx", actor=actor).ok
    assert list(Parcel.objects.filter(code_provisional=True).values_list("code", flat=True)) == ["SZ-0001-2"]
    registered = parcels.with_columns(pl.lit("no").alias("code_provisional"))
    write_exchange_workbook(path=tmp_path / "registered.xlsx", frames={"地块": registered})
    assert import_workbook(path=tmp_path / "registered.xlsx", actor=actor).written["地块"]["updated"] == 1
    assert not Parcel.objects.filter(code_provisional=True).exists()


def test_bad_lineage_rows_are_refused_by_file_sheet_row_column_and_value_and_nothing_is_written(admin, tmp_path,
                                                                                               actor):
    """Issue 17 §2: the 地块沿革 sheet's rows are checked against the parcels and each other before anything is
    written."""
    from parkgov.ingest.export import write_exchange_workbook

    split(admin)
    before = ParcelLineage.objects.count()
    rows = [("X1", "SZ-9999", "SZ-0001-1", "split", ON), ("X2", "SZ-0001", "SZ-0001-2", "split", dt.date(2026, 2, 1)),
            ("X3", "SZ-0002", "SZ-0002", "merge", ON), ("X4", "SZ-0001", "SZ-0001-1", "拆分", ON),
            ("X5", "SZ-0001", "SZ-0001-1", "split", ON), ("X5", "SZ-0002", "SZ-0001-2", "split", ON)]
    lineage = pl.DataFrame(rows, schema=["operation_id", "parent_parcel", "child_parcel", "operation",
                                         "effective_date"], orient="row").with_columns(pl.lit("").alias("note"))
    path = tmp_path / "沿革.xlsx"
    write_exchange_workbook(path=path, frames={"地块沿革": lineage})
    with pytest.raises(ImportRejected, match="沿革.xlsx 有 .* 处错误，未写入任何数据") as refused:
        import_workbook(path=path, actor=actor)
    found = {(i.sheet, i.row, i.column, str(i.value), i.message) for i in refused.value.report.issues.errors}
    day = f"{ON:%Y-%m-%d}"
    assert {("地块沿革", 2, "原地块", "SZ-9999", "地块编码不存在（「地块」表与系统中均无）"),
            ("地块沿革", 3, "日期", "2026-02-01", f"日期应等于原地块的灭失日期（地块 SZ-0001 为 {day}）"),
            ("地块沿革", 3, "日期", "2026-02-01", f"日期应等于新地块的启用日期（地块 SZ-0001-2 为 {day}）"),
            ("地块沿革", 4, "新地块", "SZ-0002", "新地块不能与原地块相同"),
            ("地块沿革", 4, "日期", day, "日期应等于原地块的灭失日期（地块 SZ-0002 为 空）"),
            ("地块沿革", 7, "原地块", "SZ-0002", "分割只能有一宗原地块（同一操作编号）")} <= found
    assert any(i.row == 5 and i.column.startswith("方式") and i.value == "拆分" for i in refused.value.report.issues.errors)
    assert ParcelLineage.objects.count() == before  # the good row (X5, row 6) is not written either


@pytest.mark.postgis
def test_the_qgis_views_leave_ended_parcels_out(admin):
    from django.db import connection

    split(admin)
    with connection.cursor() as cursor:
        cursor.execute('SELECT "地块编码" FROM qgis."地块" ORDER BY 1')
        parcels = [row[0] for row in cursor.fetchall()]
        cursor.execute('SELECT DISTINCT "地块编码" FROM qgis."企业地块" ORDER BY 1')
        linked = [row[0] for row in cursor.fetchall()]
    assert parcels == ["SZ-0001-1", "SZ-0001-2", "SZ-0002", "SZ-0003"]
    assert linked == ["SZ-0001-1", "SZ-0001-2", "SZ-0002"]
