"""Real users in real Chromium: log in per role, cockpit charts, import with an error workbook, evaluation and
class adjustment, and what a 生态环境 user must not see. Screenshots go to test-output/screenshots/."""

import os

import fastexcel
import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.services import DEMO_PASSWORD_SUFFIX, ensure_demo_accounts
from parkgov.evaluation.services import run_evaluation
from parkgov.ingest.services import import_workbook
from parkgov.testing import small_ledger_sheets, uscc, write_workbook
from tests.browser import launch, screenshot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets()), actor=actor)
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()
    yield live_server.url
    # The connection these fixtures open (first in `actor`) was still open when pytest-django dropped the test
    # database, which then warned "being accessed by other users" (seen in pg_stat_activity: idle, opened by
    # conftest.py's actor in the main thread, while Playwright's event loop runs in that thread). Closed here.
    from django.db import connections

    connections.close_all()


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


def login(browser, site, role):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", role + DEMO_PASSWORD_SUFFIX)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")
    return page


def test_cockpit_charts_render_for_the_committee(browser, site):
    page = login(browser, site, "committee")
    for chart in ("chart-trend", "chart-classes", "chart-tiers", "chart-supply", "chart-parks"):
        expect(page.locator(f"#{chart}[data-rendered='1'] canvas")).to_have_count(1)
    expect(page.locator("#kpis")).to_contain_text("亩均税收")
    expect(page.locator("#parks-table")).to_contain_text("嵊州经济开发区")
    screenshot(page, "cockpit-committee")


def test_bad_workbook_import_offers_the_error_workbook(browser, site, tmp_path):
    sheets = small_ledger_sheets()
    sheets["企业"][1][0] = "91330683MA00000010"
    bad = write_workbook(tmp_path / "坏数据.xlsx", sheets)
    page = login(browser, site, "economy")
    page.goto(f"{site}/import/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#job-status")).to_have_attribute("data-status", "rejected", timeout=20000)
    expect(page.locator("#job-errors")).to_contain_text("校验码错误")
    screenshot(page, "import-rejected")
    with page.expect_download() as download:
        page.click("#error-download")
    path = tmp_path / "errors.xlsx"
    download.value.save_as(path)
    listing = fastexcel.read_excel(str(path)).load_sheet("错误清单").to_polars()
    assert listing.item(0, "工作表") == "企业" and "校验码错误" in listing.item(0, "说明")


def test_evaluation_run_and_class_adjustment(browser, site):
    page = login(browser, site, "economy")
    page.goto(f"{site}/evaluation/")
    page.select_option("select[name=ruleset]", "zj-huangyan-2022")
    page.fill("input[name=year]", "2025")
    page.click("#evaluation-form button[type=submit]")
    expect(page.locator("#job-status")).to_have_attribute("data-status", "done", timeout=20000)
    page.click("text=查看评价结果")
    row = page.locator(f"tr[data-credit-code='{uscc(1)}']")
    row.locator("select[name=new_class]").select_option("D")
    row.locator("input[name=reason]").fill("联审会议决定降档")
    row.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("已调整为 D 类")
    expect(page.locator(f"tr[data-credit-code='{uscc(1)}']")).to_contain_text("联审会议决定降档")
    screenshot(page, "evaluation-adjusted")


def test_ecology_sees_no_tax_and_no_evaluation(browser, site):
    page = login(browser, site, "ecology")
    expect(page.locator("#kpis")).not_to_contain_text("亩均税收")
    expect(page.locator("#chart-tiers")).to_have_count(0)
    screenshot(page, "cockpit-ecology")
    response = page.goto(f"{site}/evaluation/")
    assert response.status == 403
    expect(page.locator("h1")).to_contain_text("无权访问")


def _place_parcels():
    import polars as pl
    from shapely.geometry import box

    from parkgov.ledger.models import Parcel
    from parkgov.ledger.services import attach_geometry

    squares = {"SZ-0001": box(120.80, 29.60, 120.8015, 29.6012), "SZ-0002": box(120.803, 29.60, 120.8038, 29.6007),
               "SZ-0003": box(120.80, 29.6025, 120.8006, 29.603)}
    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": list(squares), "wkb": [g.wkb for g in squares.values()]}))


def test_map_click_opens_the_parcel_card_and_both_dossiers(browser, site):
    _place_parcels()
    page = login(browser, site, "natural_resources")
    page.goto(f"{site}/map/")
    expect(page.locator("#map")).to_have_attribute("data-ready", "1", timeout=20000)
    page.evaluate("() => parkgovMap.jumpTo({center: [120.80075, 29.6006], zoom: 17})")
    page.wait_for_function("() => parkgovMap.loaded() && parkgovMap.queryRenderedFeatures({layers: ['parcel-fill']}).length > 0",
                           timeout=20000)
    point = page.evaluate("() => parkgovMap.project([120.80075, 29.6006])")
    box = page.locator("#map canvas").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    card = page.locator("#parcel-card")
    expect(card).to_be_visible()
    expect(card.locator("[data-field=code]")).to_have_text("SZ-0001")
    screenshot(page, "map-card")
    card.locator("[data-field=link]").click()
    expect(page.locator("body")).to_contain_text("330683001002GB00012")
    expect(page.locator("body")).to_contain_text("县级行政区划代码")
    screenshot(page, "parcel-dossier")
    page.goto(f"{site}/enterprises/{uscc(1)}/")
    expect(page.locator("body")).to_contain_text("嵊州市甲厨具有限公司")
    screenshot(page, "enterprise-dossier")


def test_ecology_enterprise_dossier_has_no_tax(browser, site):
    page = login(browser, site, "ecology")
    page.goto(f"{site}/enterprises/{uscc(1)}/")
    expect(page.locator("body")).to_contain_text("嵊州市甲厨具有限公司")
    expect(page.locator("body")).not_to_contain_text("评价税收")
    screenshot(page, "enterprise-dossier-ecology")
