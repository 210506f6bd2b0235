"""Issue 15 §3: the idle-land page, a parcel's clock and the notice form at 360 and 1920 CSS pixels in Chromium:
no sideways scrolling of the page, no console error, a notice recorded through the form; screenshots in
test-output/screenshots/ (idle-<page>-<width>.png)."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.supply.idle import record_exception
from parkgov.supply.models import IdleNotice
from parkgov.testing import make_idle_contract
from tests.browser import launch, screenshot
from tests.test_browser import login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


@pytest.mark.parametrize("width", [360, 1920])
def test_idle_pages_fit_and_record_a_notice(site, actor, width):  # noqa: F811
    make_idle_contract(parcel_code="SZ-0001", number="HT-1", agreed_start=dt.date(2024, 11, 30))
    make_idle_contract(parcel_code="SZ-0002", number="HT-2", agreed_start=dt.date(2025, 1, 31))
    contract = make_idle_contract(parcel_code="SZ-0003", number="HT-3", agreed_start=dt.date(2024, 10, 31))
    record_exception(parcel=contract.parcel, actor=actor, cause="not_delivered", reason="园区未按期交地",
                     starts_on=dt.date(2024, 10, 1), extended_start=dt.date(2025, 8, 31))
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "natural_resources")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        for name, path, key in (("list", "/supply/idle/?on=2025-12-31", "#idle-parcels"),
                                ("parcel", "/supply/idle/SZ-0003/?on=2025-12-31", "#idle-clock"),
                                ("notice", "/supply/idle/SZ-0001/notices/new/", "#idle-form")):
            page.goto(f"{site}{path}")
            expect(page.locator(key)).to_be_visible()
            if name == "list":
                expect(page.locator('tr[data-parcel="SZ-0003"] .idle-status')).to_have_text("政府原因闲置")
                page.locator("#idle-parcels details summary").first.click()
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
            screenshot(page, f"idle-{name}-{width}")
        page.select_option("select[name=kind]", "investigation")
        page.fill("input[name=document_number]", "嵊自然资闲〔2025〕9号")
        page.fill("input[name=issued_on]", "2025-12-05")
        page.fill("input[name=served_on]", "2025-12-08")
        page.click("#idle-form button[type=submit]")
        page.wait_for_url(f"{site}/supply/idle/SZ-0001/")
        expect(page.locator("#idle-notices")).to_contain_text("2026-01-07")
        browser.close()
    assert errors == []
    assert IdleNotice.objects.get().answer_due == dt.date(2026, 1, 7)
