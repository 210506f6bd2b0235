"""Issue 16 §2 in Chromium: the 管委会 opens the cockpit's 底线 card, follows the zone held to 问责 to its page (the
history and industry charts drawn, the reasons listed), then the comparison of zones with its two charts and the
workbook download; no console or CSP error."""

import os

import fastexcel
import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.testing import green_world
from tests.browser import launch, screenshot
from tests.test_browser import login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


@pytest.fixture
def site(live_server, actor, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    green_world(folder=tmp_path, actor=actor)
    ensure_demo_accounts()
    yield live_server.url
    from django.db import connections

    connections.close_all()


def test_cockpit_card_zone_page_and_comparison(site, tmp_path):
    errors = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        card = page.locator("#bottom-line-card")
        expect(card.locator("[data-key=bottom_line_accountability] .value")).to_contain_text("1")
        card.locator("[data-key=bottom_line_accountability] a").click()
        expect(page.locator("#outcome [data-key=consequence]")).to_contain_text("问责")
        expect(page.locator("#chart-green-history")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#chart-green-mix")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#reasons li")).to_have_count(4)  # water, solid waste, the 0.5 cap, the consequence
        expect(page.locator("#history tr[data-year]")).to_have_count(3)
        screenshot(page, "green-zone-1400")
        page.click("text=全部园区")
        expect(page.locator("#chart-green-failed")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#chart-green-energy")).to_have_attribute("data-rendered", "1")
        expect(page.locator("#bottom-line tr[data-zone]")).to_have_count(2)
        with page.expect_download() as caught:
            page.click("#green-download")
        path = tmp_path / "bottom-line.xlsx"
        caught.value.save_as(path)
        screenshot(page, "green-compare-1400")
        browser.close()
    assert fastexcel.read_excel(path).sheet_names == ["底线考核", "底线指标", "绿色指标", "主导产业", "说明"]
    assert not errors, errors
