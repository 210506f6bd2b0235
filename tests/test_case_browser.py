"""Issue 14 §5: the case board and a case page at 360 and 1920 CSS pixels in Chromium — no sideways scrolling,
no console error (CSP: no inline script or style), the user's action forms; a department signs in the browser.
Screenshots go to test-output/screenshots/ (cases-<page>-<width>.png)."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.scopes import scope_for
from parkgov.governance.cases import add_evidence, sign_off, transition
from parkgov.testing import open_test_case, png_bytes
from tests.browser import launch, screenshot
from tests.test_browser import login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


def cases(settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    users = {u.username: u for u in get_user_model().objects.all()}
    late = open_test_case(deadline=dt.date(2020, 3, 31), title="甲厨具地块整治提升（逾期）", state="rectifying")
    open_test_case(parcel_code="SZ-0002", title="乙领带地块拆除重建", departments=("natural_resources", "economy"))
    restoration = open_test_case(parcel_code="SZ-0003", workflow="chemical_restoration", title="丙化工退出地块生态修复",
                                 state="rectifying")
    verify = open_test_case(title="甲厨具消防通道整改", state="rectifying")
    add_evidence(case=verify, actor=users["fire"], scope=scope_for(users["fire"]), uploads=[("整改后.png", png_bytes())])
    verify.refresh_from_db()
    transition(case=verify, action="submit", actor=users["fire"], scope=scope_for(users["fire"]), comment="已清理通道")
    verify.refresh_from_db()
    sign_off(case=verify, actor=users["fire"], scope=scope_for(users["fire"]), decision="approve", comment="现场核验合格")
    return {"late": late, "restoration": restoration, "verify": verify}


@pytest.mark.parametrize("width", [360, 1920])
def test_case_pages_fit_the_width(site, settings, tmp_path, width):  # noqa: F811
    made = cases(settings, tmp_path)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        for name, path, key in [("board", "/governance/cases/", "#case-table"),
                                ("case", f"/governance/cases/{made['verify'].number}/", "#signoffs"),
                                ("steps", f"/governance/cases/{made['restoration'].number}/", "#steps"),
                                ("open", "/governance/cases/new/", "#open-form")]:
            page.goto(f"{site}{path}")
            expect(page.locator(key)).to_be_visible()
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
            screenshot(page, f"cases-{name}-{width}")
        page.goto(f"{site}/governance/cases/")
        first = page.locator("#case-table tbody tr").first
        expect(first).to_have_class("late")
        expect(first).to_contain_text(made["late"].number)
        browser.close()
    assert errors == []


def test_a_department_signs_off_in_the_browser(site, settings, tmp_path):  # noqa: F811
    made = cases(settings, tmp_path)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "ecology")
        page.goto(f"{site}/governance/cases/{made['verify'].number}/")
        expect(page.locator("#action-close")).to_have_count(0)
        page.check("#action-sign_off input[value=approve]")
        page.fill("#action-sign_off textarea", "环保设施验收合格")
        page.click("#action-sign_off button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("验收意见已签署")
        expect(page.locator("#signoffs")).to_contain_text("环保设施验收合格")
        browser.close()
