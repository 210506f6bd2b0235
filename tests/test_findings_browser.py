"""Issue 14 §1 in Chromium: a 消防 user records a finding with two evidence files from the list page, sees the
thumbnail, closes it; the pages fit 360 and 1920 px, raise no console or CSP error, and are photographed
(test-output/screenshots/findings-<page>-<width>.png)."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.ledger.models import Finding
from parkgov.testing import pdf_bytes, png_bytes, uscc
from tests.browser import launch, screenshot
from tests.test_browser import login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


def fits(page):
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_a_department_records_and_closes_a_finding_in_the_browser(site, settings, tmp_path):  # noqa: F811
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    photo, notice = tmp_path / "现场照片.png", tmp_path / "整改通知书.pdf"
    photo.write_bytes(png_bytes())
    notice.write_bytes(pdf_bytes())
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "fire")
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/findings/")
        page.click("#create")
        page.fill("#id_credit_code", uscc(2))
        page.select_option("#id_category", "fire")
        page.select_option("#id_severity", "serious")
        page.fill("#id_description", "疏散通道堵塞，安全出口上锁")
        page.fill("#id_legal_basis", "《中华人民共和国消防法》第二十八条")
        page.fill("#id_deadline", "2099-12-31")
        assert page.input_value("#id_found_on")  # today, in the ISO form a date input needs
        page.select_option("#id_rectifiable", "true")
        page.set_input_files("#id_files", [str(photo), str(notice)])
        for width in (1920, 360):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page)
            screenshot(page, f"findings-form-{width}")
        page.click("#finding-form button[type=submit]")
        expect(page.locator("#finding-status")).to_have_text("待整改")
        expect(page.locator("ul.evidence img")).to_have_count(1)
        assert page.evaluate("() => document.querySelector('ul.evidence img').naturalWidth") == 1  # served, decoded
        expect(page.locator("ul.evidence")).to_contain_text("整改通知书.pdf")
        for width in (1920, 360):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page)
            screenshot(page, f"findings-detail-{width}")
        page.locator("form.action", has=page.locator("input[value=close]")).locator("button").click()
        expect(page.locator("#finding-status")).to_have_text("已销号")
        finding = Finding.objects.get(description__startswith="疏散通道堵塞")
        assert finding.status == "closed" and finding.closed_on is not None and finding.attachments.count() == 2
        page.goto(f"{site}/findings/")
        expect(page.locator("table.data.list")).to_contain_text("疏散通道堵塞")
        for width in (1920, 360):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page)
            screenshot(page, f"findings-list-{width}")
        browser.close()
    assert errors == []
