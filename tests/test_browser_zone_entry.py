"""Issue 16 §2–§3 in Chromium at 1920 and 360 px: 经信 enters a zone's targets and monthly actuals on the form, the
zone's green figures, and confirms a year's 底线 assessment; the page never scrolls sideways (the entry table
scrolls inside its box), a bad value is refused in Chinese; no console or CSP error."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.testing import green_world
from tests.browser import launch, screenshot
from tests.test_browser import DEMO_PASSWORD_SUFFIX

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def site(live_server, actor, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    green_world(folder=tmp_path, actor=actor)
    ensure_demo_accounts()
    yield live_server.url
    from django.db import connections

    connections.close_all()


def _login(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", "economy")
    page.fill("input[name=password]", "economy" + DEMO_PASSWORD_SUFFIX)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")
    return page


@pytest.mark.parametrize("width", [1920, 360])
def test_entry_forms_at_desktop_and_phone_width(site, width):
    from parkgov.zones.models import BottomLineConfirmation, ZoneActual, ZoneTarget

    errors = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = _login(browser, site, width)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/zones/targets/SZ/2025/")
        page.click("#edit-targets")
        expect(page.locator("#target-entry tr[data-kind]")).to_have_count(7)
        page.fill("input[name=target_investment]", "5000")
        page.fill("input[name=m1_investment]", "400")
        page.fill("input[name=m2_output]", "-1")
        assert page.evaluate(NO_SIDEWAYS), "the targets form scrolls sideways"
        screenshot(page, f"targets-entry-{width}")
        page.click("#targets-form button[type=submit]")
        expect(page.locator("ul.messages")).to_contain_text("工业总产值 2月完成（万元）")
        assert not ZoneTarget.objects.exists()
        expect(page.locator("td.invalid input[name=m2_output]")).to_have_count(1)
        page.fill("input[name=m2_output]", "")
        page.click("#targets-form button[type=submit]")
        expect(page.locator("ul.messages")).to_contain_text("已保存：1 项目标，1 项月度完成")
        assert ZoneActual.objects.get().value == 400.0
        page.goto(f"{site}/zones/green/SZ/2025/")
        page.click("#green-entry-link")
        page.fill("input[name=waste_utilised]", "9.8")
        assert page.evaluate(NO_SIDEWAYS), "the green form scrolls sideways"
        screenshot(page, f"green-entry-{width}")
        page.click("#green-entry-form button[type=submit]")
        expect(page.locator("ul.messages")).to_contain_text("已保存 2025 年园区绿色指标：1 项有变化")
        page.goto(f"{site}/zones/green/?year=2025")
        page.click("#confirm-form button[type=submit]")
        expect(page.locator("#confirmed")).to_contain_text("已于")
        assert page.evaluate(NO_SIDEWAYS), "the confirmation scrolls sideways"
        screenshot(page, f"green-confirmed-{width}")
        page.goto(f"{site}/zones/green/SZ/2025/")
        expect(page.locator("#frozen")).to_contain_text("已确认")
        expect(page.locator("#chart-green-history")).to_have_attribute("data-rendered", "1")
        screenshot(page, f"green-frozen-{width}")
        browser.close()
    assert BottomLineConfirmation.objects.count() == 1
    assert not errors, errors
