"""Ledger lists, issue 13 §4: a totals row for the filtered set (computed in the database), an evaluation class
column (also in the export), units in the headers and one way of grouping digits (1,234.56) on both databases."""

import re

import pytest
from django.db.models import Count, Sum

from parkgov.evaluation.models import EvaluationRun
from parkgov.evaluation.services import run_evaluation
from parkgov.ledger.models import Enterprise, Finding, Parcel, YearlyFigure, Zone
from parkgov.units import square_metres_to_mu
from parkgov.web.lists import grouped
from tests.test_pages import ledger, login, page, workbook  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _totals(html) -> list:
    """The cells of the totals row."""
    row = re.search(r'<tfoot><tr class="totals">(.*?)</tr></tfoot>', html, re.S)
    assert row, "no totals row"
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def _headers(html) -> list:
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)]


def test_parcel_totals_are_the_filtered_sums_in_mu_and_square_metres(client, ledger):
    """issue 13: count and area sums of the filtered parcels, as the database sums them."""
    login(client, "admin")
    for query, rows in (("", Parcel.objects.all()), ("?ownership=state", Parcel.objects.filter(ownership="state"))):
        html = page(client, f"/parcels/{query}")
        headers, cells = _headers(html), _totals(html)
        sums = rows.aggregate(registered=Sum("registered_area_m2"), computed=Sum("computed_area_m2"))
        assert cells[0] == f"合计：{rows.count()} 宗地块"
        assert cells[headers.index("土地面积（亩）")] == grouped(square_metres_to_mu(sums["registered"]), 2)
        assert cells[headers.index("土地面积（平方米）")] == grouped(sums["registered"], 2)
        assert cells[headers.index("图形面积（亩）")] == grouped(square_metres_to_mu(sums["computed"]), 2)
    assert "26,666.67" in html  # 20,000 + 6,666.67 m² of the state parcels, grouped by three in zh-hans


def test_enterprise_totals_sum_the_years_figures_for_a_park_user(client, ledger):
    """issue 13: a park user's totals cover that user's parks only; figures are summed for the year shown."""
    login(client, "admin")
    html = page(client, "/enterprises/?year=2025")
    headers, cells = _headers(html), _totals(html)
    assert cells[0] == f"合计：{Enterprise.objects.count()} 家企业"
    tax = YearlyFigure.objects.filter(year=2025).aggregate(tax=Sum("tax"))["tax"]
    assert cells[headers.index("评价税收（万元）")] == grouped(tax, 2)
    assert any("万元" in header for header in headers)

    from django.contrib.auth import get_user_model

    from parkgov.accounts.models import Profile

    user = get_user_model().objects.create_user("park-economy", password="x")
    Profile.objects.create(user=user, role="economy").zones.set(Zone.objects.filter(code="SZ-XW1"))
    client.force_login(user, backend="parkgov.accounts.backends.ProfileBackend")
    cells = _totals(page(client, "/enterprises/?year=2024"))
    inside = Enterprise.objects.filter(zone__code="SZ-XW1")
    assert cells[0] == f"合计：{inside.count()} 家企业"
    tax = YearlyFigure.objects.filter(year=2024, enterprise__in=inside).aggregate(tax=Sum("tax"))["tax"]
    assert cells[headers.index("评价税收（万元）")] == grouped(tax, 2)


def test_finding_totals_count_the_filtered_findings(client, ledger):
    login(client, "admin")
    assert _totals(page(client, "/findings/"))[0] == f"合计：{Finding.objects.count()} 条"
    assert _totals(page(client, "/findings/?severity=serious"))[0] == \
        f"合计：{Finding.objects.filter(severity='serious').count()} 条"


def test_class_column_shows_the_latest_whole_ledger_class_and_the_holders_on_parcels(client, ledger, actor):
    """issue 13: the enterprise's class in the latest whole-ledger run; on the parcel list the holder's class;
    both exports carry it."""
    zone = Zone.objects.get(code="SZ")
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor, zone_code=zone.code)  # not whole-ledger
    run = EvaluationRun.objects.filter(zone__isnull=True).latest("created_at")
    classes = dict(run.results.values_list("enterprise__credit_code", "class_final"))
    login(client, "admin")
    html = page(client, "/enterprises/?sort=credit_code")
    assert "评价类别" in _headers(html)
    for code, klass in classes.items():
        assert re.search(rf'{code}</a></td>.*?<span class="class-{klass}">', html, re.S), code
    frame = workbook(client, "/enterprises/export.xlsx")
    assert dict(zip(frame["统一社会信用代码"], frame["评价类别"])) == {
        code: ("T（不定等级）" if klass == "T" else klass) for code, klass in classes.items()}
    parcels = workbook(client, "/parcels/export.xlsx")
    held = dict(zip(parcels["地块编码"], parcels["土地使用权人评价类别"]))
    assert held["SZ-0001"] == classes[ledger.a] and held["SZ-0003"] is None  # SZ-0003 has no holder
    html = page(client, "/parcels/?sort=-evaluation_class")
    assert "评价类别" in _headers(html)


def _aggregates(queries) -> list:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "SUM(" in q["sql"].upper()]


def test_totals_come_from_the_cache_until_a_table_they_read_is_written(client, ledger, actor):
    """issue 17 §5: the totals' aggregate runs once for the same filtered rows; a parcel edited, a yearly figure
    changed or a new evaluation run makes the next page count again, with the new figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, "admin")
    with CaptureQueriesContext(connection) as first:
        cells = _totals(page(client, "/parcels/"))
    assert len(_aggregates(first.captured_queries)) == 1
    with CaptureQueriesContext(connection) as second:
        assert _totals(page(client, "/parcels/?page=1")) == cells  # the same rows (the page number is not a filter)
    assert _aggregates(second.captured_queries) == []
    with CaptureQueriesContext(connection) as filtered:
        _totals(page(client, "/parcels/?ownership=state"))
    assert len(_aggregates(filtered.captured_queries)) == 1  # other rows, counted

    plot = Parcel.objects.get(code="SZ-0001")
    plot.registered_area_m2 += 1500
    plot.save()
    after = _totals(page(client, "/parcels/"))
    total = Parcel.objects.current().aggregate(s=Sum("registered_area_m2"))["s"]
    headers = _headers(page(client, "/parcels/"))
    assert after[headers.index("土地面积（平方米）")] == grouped(total, 2) != cells[headers.index("土地面积（平方米）")]

    html = page(client, "/enterprises/?year=2025")
    headers, before = _headers(html), _totals(html)
    figure = YearlyFigure.objects.filter(year=2025).first()
    figure.tax += 100
    figure.save()
    tax = YearlyFigure.objects.filter(year=2025).aggregate(tax=Sum("tax"))["tax"]
    now = _totals(page(client, "/enterprises/?year=2025"))
    assert now[headers.index("评价税收（万元）")] == grouped(tax, 2) != before[headers.index("评价税收（万元）")]

    with CaptureQueriesContext(connection) as cached:
        page(client, "/enterprises/?year=2025")
    assert _aggregates(cached.captured_queries) == []
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    with CaptureQueriesContext(connection) as recounted:
        page(client, "/enterprises/?year=2025")
    assert len(_aggregates(recounted.captured_queries)) == 1  # the class column reads the newest run


def test_a_query_reading_a_table_without_history_is_not_cached():
    """`models_read`: the tables a query names, through joins and subqueries; a table without history rows (no
    trace of its writes) means no caching, except the evaluation runs, whose newest id is part of the version."""
    from django.contrib.auth import get_user_model

    from parkgov.audit.versions import models_read
    from parkgov.evaluation.models import EvaluationResult
    from parkgov.ledger.models import LandLink

    sql, _ = Enterprise.objects.filter(zone__code="SZ", land_links__parcel__code="X").query.sql_with_params()
    assert set(models_read(sql)) == {Enterprise, Zone, LandLink, Parcel}
    latest = EvaluationRun.objects.order_by("-id").values("id")[:1]
    sql, _ = EvaluationResult.objects.filter(run_id__in=latest).query.sql_with_params()
    assert models_read(sql) == (EvaluationResult,)
    sql, _ = Enterprise.objects.filter(id__in=get_user_model().objects.values("id")).query.sql_with_params()
    assert models_read(sql) is None


def test_totals_of_a_filter_that_matches_nothing(ledger):
    """A scope or filter that compiles to no query at all (`zone_id__in=()`, as for an account without parks) has
    totals of zero rows, not an error."""
    from parkgov.audit.versions import cached_for_query

    empty = Enterprise.objects.filter(zone_id__in=())
    assert cached_for_query(empty, name="t", compute=lambda: empty.aggregate(n=Count("pk"))) == {"n": 0}
