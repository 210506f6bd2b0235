"""Phone and desktop widths, issue 13 §4: cockpit, lists, dossiers and the map at 360 and 1920 CSS pixels in
Chromium, with no sideways scrolling of the page, the key elements visible and no console error. Screenshots
go to test-output/screenshots/ (responsive-<page>-<width>.png)."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.testing import uscc
from tests.browser import launch, screenshot
from tests.test_browser import _place_parcels, login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]
PAGES = {"cockpit": ("/", "#kpis"), "enterprises": ("/enterprises/", "table.data.list tfoot"),
         "parcels": ("/parcels/", "table.data.list tfoot"), "findings": ("/findings/", "table.data.list"),
         "enterprise": (f"/enterprises/{uscc(1)}/", "h1"), "parcel": ("/parcels/SZ-0001/", "h1"),
         "map": ("/map/", "#map canvas"),
         "green": ("/zones/green/", "#bottom-line"), "green_zone": ("/zones/green/SZ/2025/", "#outcome")}  # issue 16 §2


@pytest.mark.parametrize("width", [360, 1920])
def test_pages_fit_the_width_without_sideways_scrolling(site, width):  # noqa: F811
    """issue 13: at 360 px the page was wider than the screen; now only tables scroll, inside their box."""
    _place_parcels()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        for name, (path, key) in PAGES.items():
            page.goto(f"{site}{path}")
            if name == "map":
                page.wait_for_selector("#map[data-ready='1']", timeout=30000)
                expect(page.locator(".map-panel")).to_be_visible()
            expect(page.locator(key).first).to_be_visible()
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
            canvas = page.locator("#map canvas").bounding_box() if name == "map" else None
            if canvas:  # the map is as wide as the screen on a phone
                assert canvas["width"] >= (width - 2 if width < 500 else width / 2), canvas
            screenshot(page, f"responsive-{name}-{width}")
        page.goto(f"{site}/parcels/")
        navigation = page.locator(".topbar nav")
        if width < 500:  # folded behind the 菜单 button, which opens it
            expect(navigation).to_be_hidden()
            page.click("label.nav-button")
            expect(navigation.locator("a", has_text="一张图")).to_be_visible()
            expect(navigation.locator(".nav-sub a", has_text="案件")).to_be_visible()  # issue 14: 治理's topics
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], ("menu", widths)
            screenshot(page, f"responsive-menu-{width}")
        else:
            expect(page.locator("label.nav-button")).to_be_hidden()
            expect(navigation.locator("a", has_text="一张图")).to_be_visible()
            expect(navigation.locator(".nav-sub a", has_text="四个一批")).to_be_hidden()
            page.hover(".nav-group > a[href='/governance/']")  # issue 14: 治理 opens its topics
            expect(navigation.locator(".nav-sub a", has_text="四个一批")).to_be_visible()
            screenshot(page, f"responsive-menu-{width}")
        browser.close()
    assert errors == []
