"""issue 14 §5 in Chromium at 1920 and 360 px: the map's 清单 and 案件状态 modes draw without a console error with
legend counts equal to the database's (list and year chosen in the panel; overdue counted), the cockpit's case
charts render, the dossiers show their governance sections, and no page scrolls sideways. Screenshots go to
test-output/screenshots/ (governance-<page>-<width>.png)."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.testing import make_case, make_disposition, make_list_entry, make_list_run, make_target, uscc
from tests.browser import launch, screenshot
from tests.test_browser import _place_parcels, login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]
TODAY = dt.date.today()


def _governance():
    a, b = Enterprise.objects.get(credit_code=uscc(1)), Enterprise.objects.get(credit_code=uscc(2))
    p1, p3 = Parcel.objects.get(code="SZ-0001"), Parcel.objects.get(code="SZ-0003")
    make_list_entry(run=make_list_run(year=2025), enterprise=a, category="<5万元/亩", reasons=["亩均税收 3.2 < 5 万元/亩"])
    make_list_entry(run=make_list_run(year=2025, rule_id="collective", rule_name="集体工业用地", subject="parcel"),
                    parcel=p3, reasons=["集体土地、无合法用地手续"])
    make_list_entry(run=make_list_run(year=2024), enterprise=b)
    make_disposition(parcel=p1, suggested="rebuild", reasons=["建成 30 年以上", "亩均税收 < 5 万元/亩"])
    make_case(number="GZ-2025-001", enterprise=a, state="rectifying", departments=["ecology", "fire"],
              deadline=TODAY - dt.timedelta(days=3), title="危废暂存整改")
    make_case(number="GZ-2025-002", parcel=p3, state="closed", departments=["enforcement"], freed_mu=4.5,
              closed_on=dt.date(2025, 9, 1), deadline=dt.date(2025, 10, 1), title="违建拆除")
    make_case(number="GZ-2025-003", enterprise=b, state="dispatched", departments=["economy"],
              deadline=TODAY + dt.timedelta(days=30), title="低效用地提升")
    make_target(zone=Zone.objects.get(code="SZ"), year=2025, target_mu=30)


def _legend(page, mode):
    return dict(page.evaluate("""(mode) => Array.from(document.querySelectorAll(
        `.map-legend[data-mode=${mode}] li`)).map((li) => [li.dataset.value,
        Number(li.querySelector(".count").textContent.replace(/[^0-9]/g, ""))])""", mode))


@pytest.mark.parametrize("width", [1920, 360])
def test_map_cockpit_and_dossiers(site, width):  # noqa: F811
    _place_parcels()
    _governance()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/map/")
        page.wait_for_selector("#map[data-ready='1']", timeout=30000)
        page.check("input[name=colour][value=list]")
        page.wait_for_function("() => window.parkgovMap.loaded()", timeout=20000)
        assert _legend(page, "list") == {"on": 2, "": 1}  # 2025, any list: SZ-0001 (firm a) and SZ-0003
        page.select_option("#map-list", "collective")
        assert _legend(page, "list") == {"on": 1, "": 2}
        screenshot(page, f"governance-map-list-{width}")
        page.select_option("#map-list-year", "2024")
        assert _legend(page, "list") == {"on": 1, "": 2}  # SZ-0002 through firm b
        page.check("input[name=colour][value=case]")
        page.wait_for_function("() => window.parkgovMap.loaded()", timeout=20000)
        counts = _legend(page, "case")
        assert {value: n for value, n in counts.items() if n} == {"rectifying": 1, "closed": 1, "dispatched": 1}
        assert page.locator(".map-legend[data-mode=case] .overdue-count").text_content() == "1"
        drawn = page.evaluate("() => window.parkgovMap.queryRenderedFeatures({layers: ['parcel-overdue']}).length")
        assert drawn >= 1
        screenshot(page, f"governance-map-case-{width}")
        page.locator("#map").scroll_into_view_if_needed()  # on a phone the map tools' panel scrolled it away
        point = page.evaluate("() => { const p = window.parkgovMap.project([120.8003, 29.60275]); return [p.x, p.y]; }")
        canvas = page.locator("#map canvas").bounding_box()
        page.mouse.click(canvas["x"] + point[0], canvas["y"] + point[1])  # SZ-0003
        card = page.locator("#parcel-card")
        expect(card.locator("[data-field=code]")).to_have_text("SZ-0003")
        expect(card.locator("[data-field=lists]")).to_have_text("2025 年 集体工业用地")
        expect(card.locator("[data-case-link]")).to_have_attribute("href", "/governance/cases/GZ-2025-002/")
        expect(card.locator("[data-case-state]")).to_have_text("已销号")
        screenshot(page, f"governance-map-card-{width}")
        page.click("#parcel-card .close")
        page.goto(f"{site}/")
        for chart in ("chart-case-departments", "chart-freed"):
            expect(page.locator(f"#{chart}[data-rendered='1'] canvas")).to_have_count(1)
        expect(page.locator("#cases [data-key=cases_overdue] .value")).to_contain_text("1")
        page.locator("#cases").scroll_into_view_if_needed()
        screenshot(page, f"governance-cockpit-{width}")
        for name, path in (("enterprise", f"/enterprises/{uscc(1)}/"), ("parcel", "/parcels/SZ-0001/")):
            page.goto(f"{site}{path}")
            expect(page.locator("#governance-cases")).to_contain_text("GZ-2025-001")
            expect(page.locator("#governance-lists")).to_contain_text("亩均低效企业用地")
            expect(page.locator("#governance-dispositions")).to_contain_text("拆除重建")
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
            page.locator("#governance-lists").scroll_into_view_if_needed()
            screenshot(page, f"governance-{name}-{width}")
        browser.close()
    assert errors == []
