"""Issue 14 §3: the 四个一批 page, its decide form and the reference-layer page at 360 and 1920 CSS pixels in
Chromium: no sideways scrolling of the page (the table scrolls in its box), no console error; screenshots in
test-output/screenshots/ (dispositions-<page>-<width>.png)."""

import os

import pytest
import shapely
from playwright.sync_api import expect, sync_playwright

from parkgov.governance.dispositions import suggest_dispositions
from parkgov.governance.layers import import_layer
from parkgov.governance.models import DispositionDecision
from parkgov.testing import list_run, write_layer_file
from tests.browser import launch, screenshot
from tests.test_browser import login, site  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


@pytest.mark.parametrize("width", [360, 1920])
def test_disposition_pages_fit_and_decide(site, tmp_path, actor, width):  # noqa: F811
    plan = write_layer_file(tmp_path / "plan.gpkg", [shapely.box(120.7, 29.5, 120.9, 29.7)], {"用地用海分类": ["0701"]})
    import_layer(path=plan, code="plan", name="国土空间规划用地", kind="planned_land_use", actor=actor,
                 source="嵊州市国土空间总体规划（2021—2035年），市自然资源和规划局")
    list_run(rule_id="test-list", year=2025, keys=["SZ-0001", "SZ-0002", "SZ-0003"], subject="parcel")
    suggest_dispositions(year=2025, actor=actor)
    row = DispositionDecision.objects.get(parcel__code="SZ-0003")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "committee")
        page.set_viewport_size({"width": width, "height": 800 if width < 500 else 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        for name, path, key in (("list", "/governance/dispositions/", "#dispositions"),
                                ("decide", f"/governance/dispositions/{row.pk}/decide/", "#decide-form"),
                                ("layers", "/governance/layers/", "#layers")):
            page.goto(f"{site}{path}")
            expect(page.locator(key)).to_be_visible()
            if name == "list":
                page.locator("#dispositions details summary").first.click()
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (name, widths)
            screenshot(page, f"dispositions-{name}-{width}")
        page.goto(f"{site}/governance/dispositions/{row.pk}/decide/")
        page.select_option("select[name=disposition]", "rebuild")
        page.fill("textarea[name=reasons]", "整体建筑质量差，拟收储后拆除重建")
        page.click("#decide-form button[type=submit]")
        page.wait_for_url(f"{site}/governance/dispositions/")
        expect(page.locator(f'tr[data-parcel="SZ-0003"] .why')).to_have_text("整体建筑质量差，拟收储后拆除重建")
        browser.close()
    assert errors == []
    assert DispositionDecision.objects.get(pk=row.pk).decided == "rebuild"
