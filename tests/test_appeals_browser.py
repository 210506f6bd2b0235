"""Issue 16 §5: one Chromium walk-through of an appeal — the enterprise files it on its tax figure with evidence
during the 公示, 经信 accepts it, 税务 checks it, 经信 adjusts the figure (the evaluation re-runs) and replies, and
the enterprise then sees the adjusted figure, its provenance and its new result. The pages fit 360 and 1920 CSS
pixels without console errors (CSP). Screenshots: test-output/screenshots/appeals-*.png."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.testing import png_bytes, uscc
from tests.browser import launch, screenshot
from tests.test_browser import site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


def sign_in(browser, site, username, password):
    page = browser.new_page(viewport={"width": 1920, "height": 1000})
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def fits(page, name):
    for width in (360, 1920):
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (name, width, widths)
        screenshot(page, f"appeals-{name}-{width}")
    page.set_viewport_size({"width": 1920, "height": 1000})


def test_an_appeal_from_filing_to_the_adjusted_result(site, settings, tmp_path):  # noqa: F811
    from django.utils import timezone

    from parkgov.appeals.accounts import create_enterprise_account
    from parkgov.appeals.services import set_publicity
    from parkgov.evaluation.models import EvaluationResult, EvaluationRun

    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    run = EvaluationRun.objects.get()
    set_publicity(run=run, starts_on=timezone.localdate())
    create_enterprise_account(credit_code=uscc(1), username="firm1", password="firm1-pass-2026")
    before = EvaluationResult.objects.get(run=run, enterprise__credit_code=uscc(1))
    evidence = tmp_path / "完税证明.png"
    evidence.write_bytes(png_bytes())
    errors = []
    with sync_playwright() as playwright:
        browser = launch(playwright)

        def page_of(username, password=None):
            page = sign_in(browser, site, username, password or f"{username}-demo-2026")
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            return page

        firm = page_of("firm1", "firm1-pass-2026")
        expect(firm).to_have_url(f"{site}/me/")
        expect(firm.locator("#me")).to_have_attribute("data-credit-code", uscc(1))
        expect(firm.locator("#my-indicators")).to_contain_text("亩均税收")
        fits(firm, "me")
        firm.click("#file-appeal")
        firm.select_option("select[name=field]", "tax")
        firm.fill("input[name=claimed_value]", "900")
        firm.fill("textarea[name=reason]", "2025 年入库税款少计 220 万元")
        firm.set_input_files("input[name=evidence]", str(evidence))
        fits(firm, "file")
        firm.click("#appeal-form button[type=submit]")
        expect(firm.locator("#appeal-state")).to_have_text("已提交")
        number = firm.locator("#appeal").get_attribute("data-appeal")

        economy = page_of("economy")
        economy.goto(f"{site}/appeals/")
        expect(economy.locator(f"#appeal-queue tr[data-appeal='{number}']")).to_be_visible()
        fits(economy, "queue")
        economy.click(f"#appeal-queue tr[data-appeal='{number}'] a")
        economy.click("#appeal-act button[value=accept]")
        expect(economy.locator("#appeal-state")).to_have_text("已受理")
        expect(economy.locator("#appeal-act button[value=verify]")).to_have_count(0)  # only 税务 checks a tax figure

        tax = page_of("tax")
        tax.goto(economy.url)
        tax.fill("#appeal-act textarea[name=reason]", "金税系统核对：少计 220 万元")
        tax.click("#appeal-act button[value=verify]")
        expect(tax.locator("#appeal-state")).to_have_text("已核查")
        expect(tax.locator("#appeal-act button[value=adjust]")).to_have_count(0)  # 税务 checks, 经信 decides

        economy.reload()
        economy.fill("#appeal-act textarea[name=reason]", "按税务核查调整")
        economy.fill("#appeal-act input[name=value]", "900")
        economy.click("#appeal-act button[value=adjust]")
        expect(economy.locator("#appeal-state")).to_have_text("调整")
        expect(economy.locator("#adjusted-value")).to_have_text("900")
        economy.fill("#appeal-act textarea[name=reply]", "经核查，评价税收调整为 900 万元，已重新评价")
        economy.click("#appeal-act button[value=reply]")
        expect(economy.locator("#appeal-state")).to_have_text("已答复")
        fits(economy, "detail")

        firm.goto(f"{site}/me/")
        after = EvaluationResult.objects.filter(enterprise__credit_code=uscc(1)).order_by("-run_id").first()
        assert after.run_id != run.pk and after.total > before.total
        expect(firm.locator("#my-total")).to_have_text(f"{after.total:.2f}")
        expect(firm.locator("#my-figures tr[data-field=tax]").first).to_contain_text("900")
        expect(firm.locator("#my-figures tr[data-field=tax]").first).to_contain_text(f"申诉 {number}")
        expect(firm.locator(f"#my-appeals tr[data-appeal='{number}']")).to_contain_text("已答复")
        fits(firm, "me-after")
        browser.close()
    assert errors == []
