"""Issue 16 §1 in Chromium: the 管委会 opens 园区评价 from the navigation, the ranking's chart, a zone's page with
its radar and yearly chart, the comparison; photographed at 1920 and 360 px (test-output/screenshots/zones-*.png),
no horizontal scroll, no console or CSP error."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.demo.services import build_demo
from parkgov.demo.zones import build_zones
from tests.browser import SCREENSHOTS, launch, screenshot
from tests.test_browser import login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


@pytest.fixture
def site(live_server, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_demo(enterprises=120, seed=7, actor=actor)
    build_zones(data=None, seed=7, actor=actor, say=lambda *a: None)
    ensure_demo_accounts()
    yield live_server.url
    from django.db import connections

    connections.close_all()


def photograph(page, name):
    for width in (1920, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the charts resize
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (name, width, widths)
        screenshot(page, f"zones-{name}-{width}")
    page.set_viewport_size({"width": 1400, "height": 900})


def test_ranking_zone_page_and_comparison_render(site):
    errors = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.click("nav >> text=园区评价")
        expect(page.locator("#chart-zone-totals")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#ranking tr[data-zone]")).to_have_count(9)
        photograph(page, "ranking")
        page.click("#ranking tr[data-zone='SZ-KFQ'] a")
        expect(page.locator("#chart-zone-radar")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#chart-zone-years")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#indicators tr[data-indicator]")).to_have_count(10)
        expect(page.locator("#zone-years tr[data-year]")).to_have_count(3)
        expect(page.locator("#indicators tr[data-indicator=supply_rate]")).to_contain_text("D ÷ (A + B21) × 100")
        photograph(page, "zone")
        page.set_viewport_size({"width": 360, "height": 800})
        for part in ("zone-figures", "indicators", "potentials"):  # what a phone shows, screen by screen
            page.locator(f"#{part}").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"zones-zone-360-{part}.png"))
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{site}/zones/compare/?year=2025&zone=SZ-KFQ&zone=SZ-KFQ-CJ&zone=SZ-XW-PK")
        expect(page.locator("#chart-zone-compare")).to_have_attribute("data-rendered", "1")
        photograph(page, "compare")
        browser.close()
    assert not errors, errors
