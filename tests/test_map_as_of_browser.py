"""Issue 17 §2 in Chromium: on 一张图 a 自然资源和规划 user picks 「历史地块 日期」 and the extra layer draws the parcels
valid on that day — the old parcel before a split, its parts from the day of the split — fetched for the view from the
scoped API; no console or CSP error (test-output/screenshots/map-as-of-*.png)."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.scopes import scope_for
from parkgov.ledger.models import Parcel
from parkgov.ledger.split import split_parcel
from tests.browser import launch, screenshot
from tests.test_browser import login
from tests.test_split_merge import EAST, NORTH, ON, SOUTH, WEST, drawn_ledger, north_south_line

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]


@pytest.fixture
def site(live_server, actor, settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    drawn_ledger(folder=tmp_path, actor=actor)
    admin = get_user_model().objects.get(username="admin")
    split_parcel(scope=scope_for(admin), parcel=Parcel.objects.get(code="SZ-0001"), by=north_south_line(120.8005),
                 actor=admin, on=ON)
    yield live_server.url
    from django.db import connections

    connections.close_all()


def _drawn_on(page, day):
    """The codes the 历史地块 layer draws once the answer for `day` is in and the map has drawn it."""
    page.fill("#map-as-of", day)
    page.dispatch_event("#map-as-of", "change")
    expect(page.locator(f"#map[data-as-of='{day}']")).to_have_count(1)
    return page.evaluate("""() => new Promise((resolve) => {
        window.parkgovMap.once("idle", () => resolve([...new Set(window.parkgovMap
            .queryRenderedFeatures({layers: ["as-of-fill"]}).map((f) => f.properties.code))].sort()));
        window.parkgovMap.triggerRepaint();
    })""")


def _rendered_as_of(page):
    return page.evaluate("""() => new Promise((resolve) => {
        window.parkgovMap.once("idle", () => resolve(window.parkgovMap
            .queryRenderedFeatures({layers: ["as-of-fill"]}).map((f) => f.properties.code)));
        window.parkgovMap.triggerRepaint();
    })""")


def test_the_map_draws_the_parcels_as_they_were_on_a_date(site):
    errors = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = login(browser, site, "natural_resources")
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/map/")
        expect(page.locator("#map[data-ready='1']")).to_have_count(1, timeout=30000)
        page.evaluate("(c) => window.parkgovMap.jumpTo({center: c, zoom: 16})", [(WEST + EAST) / 2, (SOUTH + NORTH) / 2])
        before = ON - dt.timedelta(days=1)
        assert _drawn_on(page, f"{before:%Y-%m-%d}") == ["SZ-0001"]
        expect(page.locator("#map-as-of-count")).to_have_text("1")
        # a click on the ended parcel of that day opens its card, over today's part drawn beneath it
        point = page.evaluate("(c) => { const p = window.parkgovMap.project(c); return [p.x, p.y]; }",
                              [(WEST + 120.8005) / 2, (SOUTH + NORTH) / 2])
        canvas = page.locator("#map canvas").bounding_box()
        page.mouse.click(canvas["x"] + point[0], canvas["y"] + point[1])
        expect(page.locator("#parcel-card [data-field='code']")).to_have_text("SZ-0001")
        expect(page.locator("#parcel-card [data-field='ended']")).to_have_text(
            f"已于 {ON:%Y-%m-%d} 灭失（分割或合并），此为历史地块")
        screenshot(page, "map-as-of-before")
        assert _drawn_on(page, f"{ON:%Y-%m-%d}") == ["SZ-0001-1", "SZ-0001-2"]
        expect(page.locator("#map-as-of-count")).to_have_text("2")
        screenshot(page, "map-as-of-after")
        # the map's 供地状态 and park filters apply to the day's parcels as to today's
        status = Parcel.objects.get(code="SZ-0001-1").supply_status
        assert Parcel.objects.get(code="SZ-0001-1").zone.code == "SZ"
        other_park = "SZ-XW1"  # a park of SZ: the parcels of SZ itself are not its members
        assert Parcel.objects.get(code="SZ-0001-2").supply_status == status
        page.uncheck(f"input[name=supply_status][value='{status}']")
        expect(page.locator("#map-as-of-count")).to_have_text("0")
        assert _rendered_as_of(page) == []
        page.check(f"input[name=supply_status][value='{status}']")
        expect(page.locator("#map-as-of-count")).to_have_text("2")
        view = [(WEST + EAST) / 2, (SOUTH + NORTH) / 2]
        for zone, shown in ((other_park, "0"), ("SZ", "2")):  # the view stays on the split parcel's place
            page.select_option("#map-zone", zone)
            page.evaluate("(c) => window.parkgovMap.jumpTo({center: c, zoom: 16})", view)
            expect(page.locator("#map-as-of-count")).to_have_text(shown)
        page.evaluate("() => window.parkgovMap.jumpTo({zoom: 8})")  # below the parcels' zoom: nothing asked
        expect(page.locator("#map-as-of-note")).to_contain_text("放大到")
        page.click("#map-as-of-clear")
        expect(page.locator("#map-as-of-count")).to_have_text("")
        browser.close()
    assert not errors, errors
