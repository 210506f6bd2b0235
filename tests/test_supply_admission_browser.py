"""Issue 15 §1: the admission pages at 360 and 1920 CSS pixels in Chromium — no sideways scrolling, no console
error (CSP: no inline script or style); a department signs its opinion in the browser; the 审查意见表 printed to
PDF (A4, the opinions on a page of their own). Screenshots and the PDF go to test-output/screenshots/."""

import os
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.scopes import scope_for
from parkgov.supply import admission
from parkgov.testing import give_all_opinions, make_application, pdf_bytes, uscc
from tests.browser import SCREENSHOTS, launch, screenshot
from tests.test_browser import login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


def applications(settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    committee = get_user_model().objects.get(username="committee")
    decided = make_application(state="reviewing", related_credit_codes=[uscc(1)], fixed_investment=2700,
                               project_name="年产 10 万台智能厨电项目（投资强度不足）")
    give_all_opinions(decided)
    admission.decide(application=decided, actor=committee, scope=scope_for(committee), outcome="rejected",
                     comment="投资强度 270 万元/亩，低于园区准入标准 280 万元/亩")
    reviewing = make_application(state="reviewing", investor_credit_code=uscc(902), project_name="工业自动控制系统项目")
    investment = get_user_model().objects.get(username="investment")
    admission.add_documents(application=reviewing, actor=investment, scope=scope_for(investment),
                            uploads=[("可行性研究报告.pdf", pdf_bytes())], kind="可研报告")
    return {"decided": decided, "reviewing": reviewing}


@pytest.mark.parametrize("width", [360, 1920])
def test_admission_pages_fit_the_width(site, settings, tmp_path, width):  # noqa: F811
    made = applications(settings, tmp_path)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        for name, path, key in [("list", "/supply/applications/", "#application-table"),
                                ("detail", f"/supply/applications/{made['reviewing'].number}/", "#checks"),
                                ("decided", f"/supply/applications/{made['decided'].number}/", "#opinions"),
                                ("record", f"/supply/applications/{made['decided'].number}/record/", "#record")]:
            page.goto(f"{site}{path}")
            expect(page.locator(key)).to_be_visible()
            screenshot(page, f"admission-{name}-{width}")
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
        browser.close()
    assert errors == []


def test_a_department_gives_its_opinion_in_the_browser(site, settings, tmp_path):  # noqa: F811
    made = applications(settings, tmp_path)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "housing")
        page.goto(f"{site}/supply/applications/{made['reviewing'].number}/")
        expect(page.locator("#action-decide")).to_have_count(0)
        page.check("#action-opinion input[value=changes]")
        page.fill("#action-opinion textarea", "请补充消防设计说明")
        page.click("#action-opinion button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("联审意见已签署")
        expect(page.locator("#opinions")).to_contain_text("请补充消防设计说明")
        expect(page.locator("#identity")).to_contain_text("退回补正")
        browser.close()


def test_review_record_prints_on_a4_with_the_opinions_on_their_own_page(site, settings, tmp_path):  # noqa: F811
    made = applications(settings, tmp_path)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.goto(f"{site}/supply/applications/{made['decided'].number}/record/")
        page.emulate_media(media="print")
        expect(page.locator("header.topbar")).to_be_hidden()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        pdf = page.pdf(path=str(SCREENSHOTS / "admission-record.pdf"), format="A4", print_background=True)
        browser.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 2, pages  # 一、二 on the first page, 三 (opinions) starts a new one
