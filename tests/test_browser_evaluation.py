"""Issue 13 §4 in real Chromium: the evaluation page of a classes rule set and of a tiers-only rule set, at 1920 px
and at 360 px; the figures on the page are the database's counts. Screenshots go to test-output/screenshots/."""

import os

import pytest
from playwright.sync_api import expect

from parkgov.accounts.services import DEMO_PASSWORD_SUFFIX, ensure_demo_accounts
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.services import run_evaluation
from parkgov.ingest.services import import_workbook
from parkgov.testing import small_ledger_sheets, write_workbook
from tests.browser import SCREENSHOTS, screenshot
from tests.test_browser import browser  # noqa: F401  (the Chromium fixture)
from tests.test_evaluation_page import TINY, _with_more_firms

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def runs(live_server, tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    import_workbook(path=write_workbook(tmp_path / "ledger.xlsx", _with_more_firms(small_ledger_sheets())),
                    actor=actor)
    run_evaluation(year=2024, ruleset_id="zj-huangyan-2021", actor=actor)
    tiers = run_evaluation(year=2025, ruleset_id="shengzhou-tiers", actor=actor)
    classes = run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()
    yield live_server.url, classes, tiers
    from django.db import connections

    connections.close_all()  # see tests/test_browser.py: the fixtures' connection must not outlive the test


def _page(browser, site, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", "economy")
    page.fill("input[name=password]", "economy" + DEMO_PASSWORD_SUFFIX)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")
    return page


def _fits(page):
    """Nothing but the scrolling tables is wider than the window."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def _parts(page, name):
    """The first screen and the detail table on their own (a 360 px full page is too long to look at)."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))
    page.locator("#detail").screenshot(path=str(SCREENSHOTS / f"{name}-detail.png"))


def _widest(page):
    """The elements that stick out of the window (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
        > window.innerWidth + 1 && !e.closest('.scroll')).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className)""")


@pytest.mark.parametrize("width", [1920, 360])
def test_classes_page_figures_are_the_database_counts(browser, runs, width):  # noqa: F811
    site, classes, _tiers = runs
    page = _page(browser, site, width)
    page.goto(f"{site}/evaluation/?run={classes.pk}")
    expect(page.locator("#chart-eval-classes[data-rendered='1'] canvas")).to_have_count(1)
    stored = EvaluationResult.objects.filter(run=classes)
    above = page.locator("#class-counts tr[data-population='规上工业企业']")
    for klass in "ABCD":
        count = stored.filter(population="above", not_rated_reason="", class_final=klass).count()
        expect(above.locator(f"td[data-class='{klass}']")).to_have_text(str(count))
    expect(page.locator("#summary-figures [data-key=firms] .value")).to_contain_text(str(stored.count()))
    expect(page.locator("#summary-figures [data-key=review] .value")).to_contain_text("1")
    expect(page.locator("#changes")).to_be_visible()
    expect(page.locator(f"#results tr[data-credit-code='{TINY}']")).to_contain_text("待复核")
    screenshot(page, f"evaluation-classes-{width}")
    _parts(page, f"evaluation-classes-{width}")
    assert _fits(page), _widest(page)


@pytest.mark.parametrize("width", [1920, 360])
def test_tiers_only_page_shows_tiers(browser, runs, width):  # noqa: F811
    site, _classes, tiers = runs
    page = _page(browser, site, width)
    page.goto(f"{site}/evaluation/?run={tiers.pk}")
    expect(page.locator("#chart-eval-tiers[data-rendered='1'] canvas")).to_have_count(1)
    expect(page.locator("#chart-eval-classes")).to_have_count(0)
    stored = EvaluationResult.objects.filter(run=tiers)
    for tier in ("重点排查（一企一策）", "重点检查", "重点指导"):
        expect(page.locator(f"#tier-counts tr[data-tier='{tier}'] td.num")).to_have_text(
            str(stored.filter(tier=tier).count()))
    expect(page.locator("#results th", has_text="档位")).to_have_count(1)
    expect(page.locator("#results th", has_text="类别")).to_have_count(0)
    screenshot(page, f"evaluation-tiers-{width}")
    _parts(page, f"evaluation-tiers-{width}")
    assert _fits(page), _widest(page)
