"""一企一档, 一地一档 and the ledger lists: facts shown, scope rules on pages and exports, robustness (both DBs)."""

import dataclasses
import datetime as dt
import random
import re
from decimal import Decimal
from types import SimpleNamespace

import fastexcel
import polars as pl
import pytest
import shapely
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import conditional_escape, escape

from parkgov.evaluation.explain import indicator_texts
from parkgov.accounts.models import Profile
from parkgov.accounts.services import ensure_demo_accounts
from parkgov.codes.tables import code_table
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.services import adjust_class, run_evaluation
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Parcel, ParcelLineage, Zone
from parkgov.ledger.services import attach_geometry
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db

FILE_NAME = "台账-2025.xlsx"
ADJUST_REASON = "技改项目已投产，经管委会会议研究调档"


def _square(lon, lat, side_m):
    """A square parcel of about `side_m` metres near (lon, lat), as WKB in EPSG:4490."""
    d_lat = side_m / 111_320
    d_lon = side_m / (111_320 * 0.8695)  # cos(29.6°)
    return shapely.to_wkb(shapely.box(lon, lat, lon + d_lon, lat + d_lat))


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    path = write_workbook(tmp_path / FILE_NAME, small_ledger_sheets())
    import_workbook(path=path, actor=actor, department="economy")
    # SZ-0001 is registered as 20,000 m²; its drawn square is about 25,600 m², far above the 5 % threshold.
    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": ["SZ-0001", "SZ-0002"],
                                                      "wkb": [_square(120.83, 29.58, 160), _square(120.84, 29.58, 81.6)]}))
    run = run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()
    return SimpleNamespace(a=uscc(1), b=uscc(2), c=uscc(3), run=run)


def login(client, role):
    client.force_login(get_user_model().objects.get(username=role),
                       backend="parkgov.accounts.backends.ProfileBackend")


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def workbook(client, url) -> pl.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = b"".join(response.streaming_content)
    return fastexcel.read_excel(data).load_sheet(0).to_polars()


def test_enterprise_dossier_shows_identity_land_sources_evaluation_and_history(client, ledger, actor):
    result = EvaluationResult.objects.get(run=ledger.run, enterprise__credit_code=ledger.a)
    adjust_class(result=result, new_class="A", reason=ADJUST_REASON, actor=actor)
    firm = Enterprise.objects.get(credit_code=ledger.a)
    firm.scale, firm._change_reason, firm._history_user = "below", "统计年报核定为规下", actor
    firm.save()
    login(client, "admin")
    html = page(client, f"/enterprises/{ledger.a}/")
    assert "嵊州市甲厨具有限公司" in html and ledger.a in html
    assert f"3854 {code_table('gbt4754_2017').label('3854')}" in html
    assert "30.00 亩" in html  # held land, 20,000 m²
    assert "SZ-0001" in html and 'id="dossier-map-data"' in html
    assert FILE_NAME in html and "经信" in html  # provenance: file name and department of the submission
    assert "680.00" in html and "16,900.00" in html  # grouped by three (parkgov.formats, issue 13)
    texts = [text for text in indicator_texts(result).values() if text]
    assert texts and all(escape(text) in html for text in texts)
    assert ADJUST_REASON in html and "class-A" in html
    assert "危废暂存间标识不全" in html
    assert f"导入 {FILE_NAME}" in html and f"调档 {result.class_original}→A：{ADJUST_REASON}" in html
    assert "统计年报核定为规下" in html and "规模：规上 → 规下" in html


def test_parcel_dossier_shows_code_parts_areas_ratios_occupants_lineage(client, ledger):
    parcels = {p.code: p for p in Parcel.objects.all()}
    ParcelLineage.objects.create(operation_id="HB-2024-007", operation="merge", parent=parcels["SZ-0003"],
                                 child=parcels["SZ-0001"], effective_date=dt.date(2024, 6, 1))
    ParcelLineage.objects.create(operation_id="FG-2019-002", operation="split", parent=parcels["SZ-0001"],
                                 child=parcels["SZ-0002"], effective_date=dt.date(2019, 3, 1), note="分割转让")
    ParcelLineage.objects.create(operation_id="FG-2020-001", operation="split", parent=parcels["SZ-0003"],
                                 child=parcels["SZ-0002"], effective_date=dt.date(2020, 1, 1))  # not SZ-0001's
    editor = get_user_model().objects.create_user("zhang", first_name="张", last_name="规划")
    plot = parcels["SZ-0001"]
    green = plot.green_area_m2
    plot.green_area_m2, plot._change_reason, plot._history_user = 1600, "竣工核实", editor
    plot.save()
    plot.green_area_m2, plot._change_reason, plot._history_user = green, "复核", \
        get_user_model().objects.create_user("li")
    plot.save()
    login(client, "admin")
    html = page(client, "/parcels/SZ-0001/")
    lineage = re.search(r'<section class="card" id="lineage">.*?</section>', html, re.S).group(0)
    edges = re.findall(r"<tr><td>([\d-]+)</td><td>(.*?)</td><td class=\"mono\">(.*?)</td>\s*<td>(.*?)</td>\s*"
                       r"<td>(.*?)</td>\s*<td>(.*?)</td></tr>", lineage)
    assert edges == [("2024-06-01", "合并", "HB-2024-007", '<a href="/parcels/SZ-0003/">SZ-0003</a>',
                      "<b>SZ-0001</b>", "—"),
                     ("2019-03-01", "分割", "FG-2019-002", "<b>SZ-0001</b>", '<a href="/parcels/SZ-0002/">SZ-0002</a>',
                      "分割转让")]
    history = re.search(r'<section class="card" id="history">.*?</section>', html, re.S).group(0)
    who = re.findall(r'<tr>\s*<td>[\d: -]+</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>', history)
    assert who[:2] == [("li", "修改", "地块", "复核"),  # newest first; a user without a name by the username
                       ("张 规划", "修改", "地块", "竣工核实")]  # and one with a name by it
    assert ("命令行", "新增", "地块", f"导入 {FILE_NAME}") in who  # the import's system user
    assert re.findall(r"<li>(.*?)</li>", history) == [f"绿地面积（平方米）：1600.0 → {green}",
                                                           f"绿地面积（平方米）：{green} → 1600.0"]
    for label, value in [("县级行政区划代码", "330683"), ("地籍区", "001"), ("地籍子区", "002"),
                         ("宗地特征码（所有权）", "G"), ("宗地顺序号", "00012")]:
        assert f"<td>{label}</td><td class=\"mono\">{value}</td>" in html
    assert "20,000.00" in html and "30.00" in html  # registered m² and 亩, grouped by three (issue 13)
    computed = parcels["SZ-0001"].computed_area_m2
    assert computed > 20000 * 1.05 and f"{computed * 15 / 10000:.2f}" in html and "面积差异待核实" in html
    assert f"100101 {code_table('land_use_2023').label('100101')}" in html
    assert "国有" in html and "出让" in html and "2011-03-15" in html
    assert "1.30" in html and "45.00%" in html and "7.50%" in html  # 容积率, 建筑系数, 绿地率
    assert "嵊州市甲厨具有限公司" in html and "嵊州市丙机械有限公司" in html  # holder and tenant
    assert "HB-2024-007" in html and "/parcels/SZ-0003/" in html
    assert "危废暂存间标识不全" in html and f"导入 {FILE_NAME}" in html
    assert "面积差异待核实" not in page(client, "/parcels/SZ-0002/")


def test_ecology_sees_no_tax_and_only_its_findings_while_tax_sees_tax(client, ledger):
    login(client, "ecology")
    html = page(client, f"/enterprises/{ledger.a}/")
    assert "评价税收" not in html and "680.00" not in html and "亩均税收" not in html
    assert "2,150.00" in html  # 综合能耗, a resource figure ecology may see
    assert "未批先建彩钢棚" not in page(client, "/parcels/SZ-0003/")
    assert "危废暂存间标识不全" in page(client, "/findings/")
    assert "未批先建彩钢棚" not in page(client, "/findings/")
    frame = workbook(client, "/enterprises/export.xlsx")
    assert frame.height == 3 and not [c for c in frame.columns if "税" in c]
    assert set(workbook(client, "/findings/export.xlsx")["部门"].to_list()) == {"生态环境"}
    assert "评价税收" not in page(client, "/enterprises/")

    login(client, "tax")
    html = page(client, f"/enterprises/{ledger.a}/")
    assert "评价税收" in html and "680.00" in html and "16900.00" not in html
    frame = workbook(client, "/enterprises/export.xlsx")
    tax = [c for c in frame.columns if "评价税收" in c]
    assert tax and 680 in frame[tax[0]].to_list() and not [c for c in frame.columns if "营业收入" in c]
    assert client.get("/findings/").status_code == 403 and client.get("/findings/export.xlsx").status_code == 403


def test_header_names_the_user_and_the_role_once(client, ledger):
    who = r'<div class="who">(.*?)\s*<form'
    login(client, "natural_resources")  # a demo account: its name is its role's
    assert re.search(who, page(client, "/parcels/"), re.S).group(1) == "自然资源和规划"
    user = get_user_model().objects.get(username="natural_resources")
    user.first_name, user.last_name = "王", "芳"
    user.save()
    assert re.search(who, page(client, "/parcels/"), re.S).group(1) == "王 芳 · 自然资源和规划"
    client.cookies["django_language"] = "en"  # the English page names the role in English
    assert re.search(who, page(client, "/parcels/"), re.S).group(1) == "王 芳 · Natural resources and planning"


def test_park_restricted_user_sees_only_its_parks(client, ledger):
    profile = Profile.objects.get(user__username="natural_resources")
    profile.zones.set([Zone.objects.get(code="SZ-XW1")])
    login(client, "natural_resources")
    page(client, f"/enterprises/{ledger.a}/", status=404)
    page(client, "/parcels/SZ-0001/", status=404)
    assert "嵊州市乙领带有限公司" in page(client, f"/enterprises/{ledger.b}/")
    html = page(client, "/enterprises/")
    assert ledger.b in html and ledger.a not in html and ledger.c not in html
    html = page(client, "/parcels/")
    assert "SZ-0002" in html and "SZ-0001" not in html and "SZ-0003" not in html
    assert workbook(client, "/enterprises/export.xlsx")["统一社会信用代码"].to_list() == [ledger.b]
    assert workbook(client, "/parcels/export.xlsx")["地块编码"].to_list() == ["SZ-0002"]
    assert "未批先建彩钢棚" not in page(client, "/findings/")
    other = Zone.objects.get(code="SZ").pk
    assert ledger.a not in page(client, f"/enterprises/?zone={other}")  # a park outside the scope is no filter
    offered = re.findall(r'<option value="(\d*)"', re.search(r'<select name="zone".*?</select>', html, re.S).group(0))
    assert offered == ["", str(Zone.objects.get(code="SZ-XW1").pk)]  # 全部 and the user's own park


def _order(html, keys):
    positions = [html.find(k) for k in keys]
    assert all(p >= 0 for p in positions), positions
    return sorted(keys, key=lambda k: html.find(k))


def test_list_filters_and_sorting(client, ledger):
    login(client, "admin")
    a, b, c = ledger.a, ledger.b, ledger.c
    html = page(client, "/enterprises/?scale=above")
    assert a in html and b not in html and c not in html
    html = page(client, "/enterprises/?q=乙领带")
    assert b in html and a not in html
    html = page(client, "/enterprises/?industry=38")
    assert a in html and b not in html and c not in html
    sz, xw = Zone.objects.get(code="SZ").pk, Zone.objects.get(code="SZ-XW1").pk
    assert all(k in page(client, f"/enterprises/?zone={sz}") for k in (a, b, c))  # child parks included
    html = page(client, f"/enterprises/?zone={xw}")
    assert b in html and a not in html
    assert _order(page(client, "/enterprises/?sort=-credit_code"), [a, b, c]) == [c, b, a]
    assert _order(page(client, "/enterprises/?sort=industry_code"), [a, b, c]) == [b, c, a]
    assert _order(page(client, "/enterprises/?sort=-industry_code"), [a, b, c]) == [a, c, b]
    html = page(client, "/enterprises/?year=2024")
    assert "620.50" in html and "680.00" not in html
    html = page(client, "/enterprises/")  # no year asked: the latest with figures, named in the year box
    assert "680.00" in html and "620.50" not in html and 'placeholder="2025"' in html
    frame = workbook(client, "/enterprises/export.xlsx?sort=-credit_code&scale=below")
    assert frame["统一社会信用代码"].to_list() == [c, b]

    html = page(client, "/parcels/?supply_status=idle")
    assert "SZ-0003" in html and "SZ-0001" not in html
    html = page(client, "/parcels/?mismatch=true")
    assert "SZ-0001" in html and "SZ-0002" not in html and "SZ-0003" not in html
    assert '<option value="true" selected>是</option>' in html
    html = page(client, "/parcels/?mismatch=false")  # SZ-0003 has no drawn area to compare
    assert "SZ-0001" not in html and "SZ-0002" in html and "SZ-0003" not in html
    assert '<option value="" selected>全部</option><option value="true">是</option>' in page(client, "/parcels/") \
        .replace("\n", "").replace("  ", "")
    assert _order(page(client, "/parcels/?sort=-registered_area_m2"), ["SZ-0001", "SZ-0002", "SZ-0003"]) == \
        ["SZ-0001", "SZ-0002", "SZ-0003"]
    assert _order(page(client, "/parcels/?sort=registered_area_m2"), ["SZ-0001", "SZ-0002", "SZ-0003"]) == \
        ["SZ-0003", "SZ-0002", "SZ-0001"]

    html = page(client, "/findings/?severity=serious")
    assert "未批先建彩钢棚" in html and "危废暂存间标识不全" not in html
    html = page(client, "/findings/?department=ecology&since=2025-01-01")
    assert "危废暂存间标识不全" in html and "未批先建彩钢棚" not in html
    assert workbook(client, "/findings/export.xlsx?category=illegal_construction")["描述"].to_list() == ["未批先建彩钢棚"]


def test_lists_do_not_count_rows(client, ledger):
    """Pagination counts nothing; the one COUNT is the totals row's aggregate (issue 13), without LIMIT (and then
    kept in the cache: tests/test_list_totals.py)."""
    login(client, "admin")
    for url in ("/enterprises/", "/parcels/", "/findings/"):
        with CaptureQueriesContext(connection) as queries:
            page(client, url)
        # (the database cache counts its own entries when it stores the totals: not a list's rows)
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "parkgov_cache" not in q["sql"]]
        assert len(counts) == 1 and 'AS "rows"' in counts[0] and "LIMIT" not in counts[0].upper(), url



def test_lists_read_the_park_name_not_the_park(client, ledger):
    """Each row needs its park's name only: no Zone is read in for every row (1 ms of CPU a page)."""
    login(client, "admin")
    for url, table in (("/enterprises/", "ledger_enterprise"), ("/parcels/", "ledger_parcel")):
        with CaptureQueriesContext(connection) as queries:
            html = page(client, url)
        assert "三江小微企业园" in html and "嵊州经济开发区" in html, url
        rows = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]
        assert rows and not [sql for sql in rows if '"ledger_zone"."min_x"' in sql], url


def test_the_enterprise_page_reads_only_the_figures_it_shows(client, ledger):
    """The page shows LIST_FIGURES; the export (same listing) has every figure the user may see."""
    login(client, "admin")
    with CaptureQueriesContext(connection) as queries:
        page(client, "/enterprises/")
    sql = " ".join(q["sql"] for q in queries)
    assert '"tax"' in sql and '"employees"' in sql and "electricity_10k_kwh" not in sql
    assert any("用电量（万千瓦时）" in column for column in workbook(client, "/enterprises/export.xlsx").columns)

@pytest.mark.parametrize("url", [
    "/enterprises/?page=-1", "/enterprises/?page=abc", "/enterprises/?page=99999999999999999999999",
    "/enterprises/?sort=unknown", "/enterprises/?sort=-&sort=", "/enterprises/?zone=abc&year=abc&scale=zz",
    "/enterprises/?zone=99999999999999999999&year=1e400&industry=%00", "/enterprises/?q=%00&per_page=0",
    "/enterprises/export.xlsx?sort=nope&page=-3&year=-5", "/parcels/?mismatch=maybe&ownership=x&sort=geometry",
    "/parcels/export.xlsx?land_use=%27%3B--&q=%00", "/findings/?since=2025-13-45&until=x&department=nobody",
    "/findings/?page=0&sort=-found_on,enterprise", "/findings/export.xlsx?severity=%FF&zone=-1",
    "/enterprises/NOT-A-CODE/", "/enterprises/%00/", "/parcels/%00/", "/parcels/NO-SUCH/",
])
def test_bad_query_strings_never_fail(client, ledger, url):
    login(client, "admin")
    assert client.get(url).status_code in (200, 400, 404)  # 400: control characters, refused by middleware


def test_export_opens_and_neutralises_formulas(client, ledger):
    Enterprise.objects.filter(credit_code=ledger.b).update(name='=HYPERLINK("http://evil.example","点我")')
    login(client, "admin")
    response = client.get("/enterprises/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content)
    reader = fastexcel.read_excel(data)
    assert reader.sheet_names == ["企业"]
    frame = reader.load_sheet(0).to_polars()
    names = dict(zip(frame["统一社会信用代码"].to_list(), frame["企业名称"].to_list()))
    assert names[ledger.b] == '\'=HYPERLINK("http://evil.example","点我")'
    assert frame.height == 3 and "行业名称" in frame.columns


def test_lists_and_exports_need_login_and_the_domain(client, ledger):
    for url in ("/enterprises/", "/enterprises/export.xlsx", f"/enterprises/{ledger.a}/", "/findings/export.xlsx"):
        assert client.get(url).status_code == 302
    login(client, "tax")
    assert client.get(f"/enterprises/{ledger.a}/").status_code == 200
    assert "亩均评价" not in page(client, f"/enterprises/{ledger.a}/")  # tax may not read evaluations


def test_indicator_explanations_leave_out_hidden_fields(ledger):
    from parkgov.accounts.scopes import Scope
    from parkgov.reports.dossiers import indicator_rows

    result = EvaluationResult.objects.select_related("run").get(run=ledger.run, enterprise__credit_code=ledger.a)
    everything = Scope(role="t", role_name="t", read=frozenset({"evaluation"}), write=frozenset(),
                       hidden_fields=frozenset(), zone_ids=None)
    no_tax = dataclasses.replace(everything, hidden_fields=frozenset({"tax"}))
    assert "亩均税收" in [row["name"] for row in indicator_rows(result, scope=everything)]
    rows = indicator_rows(result, scope=no_tax)
    assert rows and not [row for row in rows if "税" in row["name"] or "税" in (row["text"] or "")]


def test_large_export_becomes_a_background_job(client, ledger, settings, tmp_path, django_capture_on_commit_callbacks):
    """Exports above the inline limit (thresholds.csv) run as a job and are downloaded from the job page."""
    from django.urls import reverse

    from parkgov.codes import thresholds
    from parkgov.jobs.models import Job

    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    login(client, "committee")
    limits = thresholds._thresholds()
    original, limits["export_inline_rows"] = limits["export_inline_rows"], 1
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("web:enterprises_export"))
    finally:
        limits["export_inline_rows"] = original
    job = Job.objects.get(kind="export")
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert job.status == "done" and job.result["rows"] == 3
    download = client.get(reverse("web:job_download", args=[job.pk]))
    assert download.status_code == 200


@pytest.mark.parametrize("listing_of", ["enterprise_listing", "parcel_listing", "finding_listing"])
@pytest.mark.parametrize("role", ["admin", "ecology"])
@pytest.mark.parametrize("odd_codes", [False, True])
def test_fast_list_body_is_what_django_tables2_renders(ledger, listing_of, role, odd_codes, rf):
    """`ListTable.body_html` renders every cell (choices, links, dates, figures, flags, empty cells) as
    django-tables2's own per-cell rendering does, for a role that sees every figure and one that sees few."""
    from django_tables2.rows import BoundRow

    from parkgov.accounts.scopes import scope_for
    from parkgov.web import lists
    from parkgov.web.lists import build_table, paginate

    Parcel.objects.filter(code="SZ-0003").update(supply_date=None)  # an empty date cell
    if odd_codes:  # links are quoted into a URL reversed once; codes that need quoting, escaping or the slow way
        Enterprise.objects.filter(credit_code=ledger.a).update(credit_code="A&B 中文%20'\"<x>?#")
        Enterprise.objects.filter(credit_code=ledger.b).update(credit_code="%41lpha")
        Parcel.objects.filter(code="SZ-0001").update(code="SZ 01&<x>")
        Parcel.objects.filter(code="SZ-0002").update(code=".hidden")
    request = rf.get("/")
    listing = getattr(lists, listing_of)(scope=scope_for(get_user_model().objects.get(username=role)),
                                         params=request.GET)
    table = paginate(build_table(listing, request.GET), request.GET)
    expected = "\n".join(
        "<tr>" + "".join(f"<td {column.attrs['td'].as_html()}>{conditional_escape(BoundRow(row.record, table=table).get_cell(column.name))}</td>"
                         for column in table.columns) + "</tr>" for row in table.page.object_list)
    body = table.body_html()
    assert body.count("<tr>") == len(table.page.object_list) >= 1
    assert body == expected
    if odd_codes and listing_of != "finding_listing":
        assert "%20" in body  # the space in the odd code, quoted in its link


@pytest.mark.parametrize("listing_of", ["enterprise_listing", "parcel_listing", "finding_listing"])
@pytest.mark.parametrize("sort", ["", "-name", "tax", "-zone", "registered_area_m2", "-found_on"])
def test_pages_below_the_first_hold_the_rows_one_query_would_give(ledger, listing_of, sort, rf, monkeypatch):
    """KeysFirstPaginator fetches a page's keys first and then the rows: every page, in every order (also by a
    joined figure or park), holds the rows, in the order, that slicing the sorted listing gives."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.web import lists

    monkeypatch.setattr(lists, "PER_PAGE", 1)
    scope = scope_for(get_user_model().objects.get(username="admin"))
    expected_all, seen = None, []
    for number in range(1, 8):
        request = rf.get("/", {"page": number, "sort": sort})
        listing = getattr(lists, listing_of)(scope=scope, params=request.GET)
        with CaptureQueriesContext(connection) as queries:
            table = lists.paginate(lists.build_table(listing, request.GET), request.GET)
        if number > 1 and table.page.number > 1:  # the keys first, then the rows
            assert any('AS "pk"' in q["sql"] and "OFFSET" in q["sql"] for q in queries.captured_queries)
        expected_all = [row.record.pk for row in table.rows]  # the sorted listing, one query
        if number > len(expected_all):
            assert table.page.number == 1  # a page past the end shows the first one
            break
        assert [row.record.pk for row in table.page.object_list] == [expected_all[number - 1]]
        assert table.page.has_next() == (number < len(expected_all))
        seen.append(expected_all[number - 1])
    assert seen == expected_all and len(seen) >= 2


@pytest.mark.parametrize("listing_of", ["enterprise_listing", "parcel_listing", "finding_listing"])
@pytest.mark.parametrize("sort", ["", "-name", "tax", "-found_on", "zone", "nope"])
def test_tables_render_as_when_sorted_after_construction(ledger, listing_of, sort, rf):
    """build_table hands the sort to the constructor (skipping django-tables2's guess of the queryset's order);
    headers, sort links, rows and pagination are what django-tables2's usual order of calls renders."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.web import lists

    request = rf.get("/", {"sort": sort, "page": 1, "q": "<&>", "status": ["a", "b"]})
    listing = getattr(lists, listing_of)(scope=scope_for(get_user_model().objects.get(username="admin")),
                                         params=request.GET)
    reference = listing.table_class(listing.rows, exclude=listing.hidden)
    reference.order_by = [s for s in request.GET.getlist("sort") if s]
    table = lists.paginate(lists.build_table(listing, request.GET), request.GET)
    table.request = reference.request = request
    fast = table.as_html(request)
    assert fast == lists.paginate(reference, request.GET).as_html(request)
    assert "<th" in fast and "<td" in fast
    # the header written in Python is django-tables2's own table.html header, but for whitespace next to tags
    from django.template.loader import get_template

    stock = get_template("django_tables2/table.html").render({"table": reference, "request": request})
    stock_head = re.search(r"<thead.*?</thead>", stock, re.S).group(0)
    assert re.sub(r"\s*(<[^>]+>)\s*", r"\1", stock_head) == re.sub(r"\s*(<[^>]+>)\s*", r"\1", table.head_html())
    assert table.head_html().count("<th ") == len(table.columns) and "href=\"?" in table.head_html()


def test_cockpit_figures_are_cached_until_the_data_changes(ledger):
    """The cockpit reads its figures from the cache while the data are unchanged and recomputes after a change
    (a saved figure writes a history row, which changes the data version)."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.ledger.models import YearlyFigure
    from parkgov.web.services import cockpit

    scope = scope_for(get_user_model().objects.get(username="committee"))
    first = cockpit(scope=scope, year=2025)
    with CaptureQueriesContext(connection) as queries:
        assert cockpit(scope=scope, year=2025) == first
    # the data version, the change token, the supply review runs' version (the 供地 card, issue 15) and the cache
    assert len(queries) == 4
    figure = YearlyFigure.objects.get(enterprise__credit_code=ledger.a, year=2025)
    figure.tax = figure.tax * 2
    figure.save()
    changed = cockpit(scope=scope, year=2025)
    tax_per_mu = {k["key"]: k["value"] for k in changed["kpis"]}["tax_per_mu"]
    assert tax_per_mu > {k["key"]: k["value"] for k in first["kpis"]}["tax_per_mu"]


def test_an_evaluation_job_leaves_the_cockpit_computed(transactional_db, tmp_path, settings):
    """After a job changed the data, the worker computes the cockpit for the job's user: the next view only
    reads the data version, the change token and the cache. Real commits (transactional_db), since the data
    version follows commits."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.audit.context import system_user
    from parkgov.jobs.models import Job
    from parkgov.jobs.services import start_job
    from parkgov.web.services import cockpit

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=system_user("test"))
    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": ["SZ-0001"], "wkb": [_square(120.83, 29.58, 160)]}))
    ensure_demo_accounts()
    committee = get_user_model().objects.get(username="committee")
    start_job(kind="evaluation", title="评价", params={"year": 2025, "ruleset": "zj-huangyan-2022"}, user=committee)
    assert Job.objects.get(kind="evaluation").status == "done"
    scope = scope_for(committee)
    with CaptureQueriesContext(connection) as queries:
        figures = cockpit(scope=scope)  # the page opened without a year, as the worker warmed it
    # five queries: the latest year, the data version, the change token, the supply review runs' version, the cache
    assert figures["kpis"] and figures["classes"]["counts"] and len(queries) == 5
    # and the map's opening tiles are cut into the shared cache, for every web worker
    from django.core.cache import cache

    from parkgov.spatial import tile_cache
    from parkgov.spatial.tiles import data_version, lonlat_to_tile, tile_etag

    x, y = lonlat_to_tile(120.8305, 29.5805, 12)
    etag = f'W/"{tile_etag(layer="parcels", z=12, x=x, y=y, scope=scope, version=data_version())}"'
    body, packed = cache.get(tile_cache._shared_key(etag, True))
    assert body


def test_data_version_changes_when_a_write_commits(ledger, tmp_path, actor, django_capture_on_commit_callbacks):
    """A committed write changes the data version of the tables it wrote even where history ids would not show it
    (on PostgreSQL a long import commits after a quicker edit with smaller ids): bulk writes and history rows
    leave a token per table. Other tables' versions stay, so the map is not made stale by a yearly figure; a finding
    changes the map's version (its findings mode, issue 13) but not the parcels'."""
    from parkgov.audit.versions import data_version
    from parkgov.ledger.models import Finding, Parcel, YearlyFigure
    from parkgov.spatial import tile_data

    def written(sheets):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            import_workbook(path=write_workbook(tmp_path / "again.xlsx", sheets), actor=actor)
        assert callbacks

    before = {model: data_version(model) for model in (Parcel, YearlyFigure)}
    map_before = tile_data.data_version()
    sheets = small_ledger_sheets()
    sheets["年度数据"][2][2] = 700  # firm a's 2025 tax: a yearly figure changes, no parcel does
    written(sheets)
    figures = data_version(YearlyFigure)
    assert figures[0] != before[YearlyFigure][0]
    assert data_version(Parcel) == before[Parcel] and tile_data.data_version() == map_before
    assert data_version(YearlyFigure) == figures  # stable while nothing is written

    finding = Finding.objects.first()
    finding.description, finding._history_user = "复查：已整改", actor
    with django_capture_on_commit_callbacks(execute=True):
        finding.save()
    assert data_version(Parcel) == before[Parcel] and tile_data.data_version() != map_before
    map_before = tile_data.data_version()

    sheets["地块"][1][3] = 21000  # SZ-0001's registered area
    written(sheets)
    assert data_version(Parcel)[0] != before[Parcel][0] and data_version(YearlyFigure) == figures
    assert tile_data.data_version() != map_before


def test_park_without_figures_for_the_year_shows_no_per_mu_figures(ledger):
    """A park whose firms reported nothing for the year has no 亩均税收 (—), not 0."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.web.services import cockpit

    parks = cockpit(scope=scope_for(get_user_model().objects.get(username="committee")), year=2025)["parks"]
    by_code = {p["zone_code"]: p for p in parks}
    assert by_code["SZ-XW1"]["tax_per_mu"] is None and by_code["SZ-XW1"]["va_per_mu"] is None
    assert by_code["SZ"]["tax_per_mu"] > 0


@pytest.mark.parametrize("language, grouping", [("zh-hans", 3), ("en", 3), ("de", 3)])
def test_grouped_figures_are_what_number_format_gives(language, grouping):
    from django.utils.formats import get_format, number_format

    from parkgov.web.lists import grouped

    rng = random.Random(7)
    values = [0, -0.0, 5, -5, 999, 1000, -1234567, 10**20, 0.001, -0.004, 1.239, 2.5e-7, 1e16, 123456789.987654,
              -1e22, float("inf"), float("nan"), Decimal("1234.5678"), Decimal("-0.001"), True, None, ""]
    values += [rng.uniform(-1e9, 1e9) for _ in range(300)] + [rng.randint(-10**12, 10**12) for _ in range(100)]
    values += [round(rng.uniform(0, 1e6), rng.randint(0, 6)) for _ in range(300)]
    with translation.override(language):
        assert get_format("NUMBER_GROUPING") == grouping  # zh-hans (parkgov.formats) and en: ","; de: "." and ","
        for value in values:
            for decimals in (0, 1, 2, 4):
                assert grouped(value, decimals) == number_format(value, decimals, force_grouping=True), (value, decimals)


def test_tables_get_their_own_columns(ledger):
    """Each table copies its class's columns one level deep: hiding a column or changing its attributes in one
    table leaves the class and other tables alone, while what columns only refer to is shared."""
    from parkgov.web.lists import EnterpriseTable

    first, second = EnterpriseTable(Enterprise.objects.none()), EnterpriseTable(Enterprise.objects.none())
    first.columns.hide("name")
    first.columns["tax"].column.attrs["td"]["class"] = "changed"
    assert not first.columns["name"].visible and second.columns["name"].visible
    assert second.columns["tax"].column.attrs["td"]["class"] == "num"
    assert EnterpriseTable.base_columns["tax"].attrs["td"]["class"] == "num"
    assert first.columns["name"].column is not second.columns["name"].column
    assert first.columns["credit_code"].column.link is second.columns["credit_code"].column.link
