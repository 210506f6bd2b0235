"""Issue 17 §2 in Chromium: a 自然资源和规划 user opens a parcel, clicks 分割, draws the cutting line on the small map,
previews the two parts with their areas, confirms, and lands on the first new parcel, whose dossier draws the
lineage graph; no console or CSP error (test-output/screenshots/split-*.png)."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import launch, screenshot
from tests.test_browser import login
from tests.test_split_merge import drawn_ledger

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


@pytest.fixture
def site(live_server, actor, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    drawn_ledger(folder=tmp_path, actor=actor)
    yield live_server.url
    from django.db import connections

    connections.close_all()


def test_a_split_drawn_on_the_parcel_page(site):
    errors = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "natural_resources")
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/parcels/SZ-0001/")
        page.click("#split-action")
        expect(page.locator("#edit-map")).to_have_attribute("data-ready", "1")
        box = page.locator("#edit-map").bounding_box()
        middle = box["x"] + box["width"] * 0.5
        page.mouse.click(middle, box["y"] + 4)  # above the parcel (the map fits it with 40 px padding)
        page.mouse.dblclick(middle, box["y"] + box["height"] - 4)  # below it: the line crosses the parcel
        assert "LineString" in page.locator("#edit-line").input_value()
        page.click("#edit-preview")
        expect(page.locator("#edit-parts tr")).to_have_count(4)  # header, two parts, the sum
        expect(page.locator("#edit-parts")).to_contain_text("SZ-0001-2")
        screenshot(page, "split-preview")
        page.click("#edit-confirm")
        page.wait_for_url(f"{site}/parcels/SZ-0001-1/")
        expect(page.locator("#lineage-graph svg")).to_be_visible()
        expect(page.locator("#lineage-graph a.lineage-node")).to_have_count(2)  # the old parcel and the other part
        page.fill("#as-of-date", "2000-01-01")
        page.dispatch_event("#as-of-date", "change")
        expect(page.locator("#as-of-result")).to_contain_text("SZ-0001")
        screenshot(page, "split-done")
        browser.close()
    assert not errors, errors
