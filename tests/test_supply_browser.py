"""issue 15 §6 in Chromium: one application from submission through the six departments' opinions and the
committee's decision to the 标准地 contract and its 达产复核, each step by the role that makes it, in the pages;
then the 供地 page, the dossier sections and the map's 承诺状态 / 闲置状态 modes at 360 and 1920 CSS pixels (no
sideways scrolling, no console error — CSP: no inline script or style). Screenshots go to
test-output/screenshots/ (supply-<page>-<width>.png)."""

import os
import re

import polars as pl
import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from parkgov.testing import application_fields, uscc
from tests.browser import launch, screenshot
from tests.test_browser import login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]
DEPARTMENTS = ("development_reform", "economy", "natural_resources", "ecology", "housing", "investment")


def _errors(page) -> list:
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_an_application_from_submission_to_its_review(site):  # noqa: F811
    """准入联审 → 标准地 contract → 达产复核, in the browser: 招商 files and submits, 管委会 starts the review, the six
    departments sign, 管委会 decides 通过 and signs the contract on a 批而未供 parcel, runs the review as of
    2025-12-31, and the contract page, the parcel dossier and the 供地 page show the result."""
    from parkgov.ledger.models import Parcel
    from parkgov.supply.models import Application, CommitmentCheck, Contract

    Parcel.objects.filter(code="SZ-0003").update(supply_status="approved_not_supplied")
    fields = application_fields(investor_credit_code=uscc(1), investor_name="嵊州市甲厨具有限公司")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "investment")
        errors = _errors(page)
        page.goto(f"{site}/supply/applications/new/")
        page.select_option("#application-form select[name=zone]", "SZ")
        for name, value in fields.items():
            page.fill(f"#application-form [name={name}]", str(value))
        page.click("#application-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/supply/applications/ZR-\d{4}-\d{4}/$"))
        number = page.url.rstrip("/").rsplit("/", 1)[1]
        page.click("#action-submit button[type=submit]")
        expect(page.locator("#identity")).to_contain_text("已受理")
        screenshot(page, "supply-walk-1-submitted")

        page = login(browser, site, "committee")
        errors += _errors(page)
        page.goto(f"{site}/supply/applications/{number}/")
        page.click("#action-start_review button[type=submit]")
        expect(page.locator("#identity")).to_contain_text("联审中")
        for department in DEPARTMENTS:
            other = login(browser, site, department)
            errors += _errors(other)
            other.goto(f"{site}/supply/applications/{number}/")
            other.check("#action-opinion input[value=approve]")
            other.fill("#action-opinion textarea[name=comment]", f"{department} 同意")
            other.click("#action-opinion button[type=submit]")
            expect(other.locator("#opinions")).to_contain_text(f"{department} 同意")
            other.close()
        page.goto(f"{site}/supply/applications/{number}/")
        screenshot(page, "supply-walk-2-opinions")
        # 甲厨具 has an open finding (a warning to the reviewers): 通过 is refused, 有条件通过 allowed
        approved = page.locator("#action-decide input[value=approved]")
        outcome = "conditional" if approved.is_disabled() else "approved"
        page.check(f"#action-decide input[value={outcome}]")
        if outcome == "conditional":
            page.fill("#action-decide textarea[name=conditions]", "一年内完成危废暂存间整改")
        page.click("#action-decide button[type=submit]")
        expect(page.locator("#outcome")).to_contain_text("通过")
        contract = page.locator("#action-contract")
        for name, value in (("parcel_code", "SZ-0003"), ("number", "BZD-WALK-0001"), ("signed_on", "2022-01-10"),
                            ("agreed_start", "2022-06-01"), ("agreed_completion", "2023-06-01"),
                            ("agreed_production", "2025-06-30")):
            contract.locator(f"[name={name}]").fill(value)
        contract.locator("button[type=submit]").click()
        expect(page.locator(".messages")).to_contain_text("已签订标准地合同")
        screenshot(page, "supply-walk-3-contract")
        made = Contract.objects.get(number="BZD-WALK-0001")
        assert made.application == Application.objects.get(number=number) and made.parcel.code == "SZ-0003"

        page.goto(f"{site}/supply/contracts/")
        page.fill("#review-form [name=year]", "2025")
        page.fill("#review-form [name=on]", "2025-12-31")
        page.click("#review-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/jobs/.*"))
        expect(page.locator("body")).to_contain_text("完成", timeout=60_000)
        check = CommitmentCheck.objects.get(contract=made)
        page.goto(f"{site}/supply/contracts/{made.pk}/")
        expect(page.locator("#checks")).to_contain_text(check.get_status_display())
        expect(page.locator("#checks")).to_contain_text("2025-12-31")
        screenshot(page, "supply-walk-4-review")
        page.goto(f"{site}/parcels/SZ-0003/")
        expect(page.locator("#supply-contracts")).to_contain_text("BZD-WALK-0001")
        expect(page.locator(f"#supply-contracts [data-status={check.status}]")).to_have_count(1)
        expect(page.locator("#supply-applications")).to_contain_text(number)
        screenshot(page, "supply-walk-5-dossier")
        page.goto(f"{site}/supply/")
        expect(page.locator(f"#commitment-counts tr[data-status={check.status}] td.num")).to_have_text("1")
        browser.close()
    assert errors == []


@pytest.fixture
def drawn(site):  # noqa: F811
    """The site's ledger with the three parcels drawn and the crafted supply rows of `supply_world`."""
    from parkgov.ledger.models import Parcel, Zone
    from parkgov.ledger.services import attach_geometry
    from parkgov.testing import supply_world
    from tests.test_map import SQUARES, ZONES, _square

    attach_geometry(model=Parcel, frame=pl.DataFrame({"code": list(SQUARES),
                                                      "wkb": [_square(*v) for v in SQUARES.values()]}))
    attach_geometry(model=Zone, frame=pl.DataFrame({"code": list(ZONES), "wkb": [_square(*v) for v in ZONES.values()]}))
    supply_world(today=timezone.localdate())
    return site


@pytest.mark.parametrize("width", [360, 1920])
def test_supply_surfaces_fit_the_width(drawn, width):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, drawn, "committee")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = _errors(page)
        for name, path, key in [("index", "/supply/", "#commitment-counts"),
                                ("parcel", "/parcels/SZ-0002/", "#supply-idle"),
                                ("enterprise", f"/enterprises/{uscc(2)}/", "#supply-contracts"),
                                ("cockpit", "/", "#supply-card")]:
            page.goto(f"{drawn}{path}")
            expect(page.locator(key)).to_be_visible()
            if name == "index":
                for chart in ("chart-states", "chart-commitments", "chart-idle"):
                    expect(page.locator(f"#{chart}[data-rendered='1'] canvas")).to_have_count(1)
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
            page.locator(key).scroll_into_view_if_needed()
            screenshot(page, f"supply-{name}-{width}")
        page.goto(f"{drawn}/map/")
        expect(page.locator("#map[data-ready='1']")).to_have_count(1, timeout=60_000)
        for mode in ("commitment", "idle"):
            page.check(f"input[name=colour][value={mode}]")
            legend = page.locator(f".map-legend[data-mode={mode}]")
            expect(legend).to_be_visible()
            expect(legend.locator(".total")).to_have_text("3")
            page.wait_for_timeout(500)
            screenshot(page, f"supply-map-{mode}-{width}")
        expect(page.locator(".map-legend[data-mode=idle] li[data-value=idle] .count")).to_have_text("1")
        browser.close()
    assert errors == []
