"""issue 13: every page works under the Content-Security-Policy, and nothing is fetched from another host.

Chromium opens each page with every request to a host other than the test server refused; a listener installed
before any page script collects `securitypolicyviolation` events, and console errors and page errors are
collected too. None is allowed. /api/docs must render Swagger UI's operations from our own static files."""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from parkgov.ledger.models import Enterprise, Parcel
from parkgov.testing import uscc
from tests.browser import launch, screenshot
from tests.test_browser import _place_parcels, site  # noqa: F401  (site is a fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watched:
    """A logged-in Chromium page that records CSP violations, console errors, page errors and foreign requests."""

    def __init__(self, browser, site, role):
        self.site, self.problems, self.foreign = site, [], []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.add_init_script(LISTEN)
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        if role:
            self.page.goto(f"{site}/login/")
            self.page.fill("input[name=username]", role)
            self.page.fill("input[name=password]", role + "-demo-2026")
            self.page.click("button[type=submit]")
            self.page.wait_for_url(f"{site}/")

    def _only_local(self, route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def visit(self, path, ready=None):
        response = self.page.goto(f"{self.site}{path}")
        assert response.status == 200, (path, response.status)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)
        if ready:
            ready(self.page)
        self.page.wait_for_load_state("networkidle")
        found = self.problems + self.page.evaluate("() => window.__violations") + self.foreign
        self.problems.clear()
        self.foreign.clear()
        return found


def hover_charts(page):
    """Tooltips are drawn on hover; ECharts' HTML tooltips would carry style="" (refused by the policy)."""
    page.wait_for_selector(".chart canvas")
    for chart in page.locator(".chart").all():
        box = chart.bounding_box()
        if box:
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(300)
            screenshot(page, "csp-cockpit-tooltip")  # the last chart's tooltip, for a person to look at


def map_ready(page):
    expect(page.locator("#map")).to_have_attribute("data-ready", "1", timeout=20000)


def dossier_map_ready(page):
    expect(page.locator("#dossier-map")).to_have_attribute("data-ready", "1", timeout=20000)


def swagger_ready(page):
    expect(page.locator(".opblock").first).to_be_visible(timeout=20000)


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


def test_every_page_works_under_the_content_security_policy(browser, site):  # noqa: F811
    _place_parcels()
    parcel = Parcel.objects.filter(geometry__isnull=False).first()
    enterprise = Enterprise.objects.get(credit_code=uscc(1))
    pages = [
        ("/", hover_charts), ("/enterprises/", None), ("/parcels/", None), ("/findings/", None),
        (f"/enterprises/{enterprise.credit_code}/", None), (f"/parcels/{parcel.code}/", dossier_map_ready),
        ("/map/", map_ready), ("/evaluation/", None), ("/import/", None), ("/audit/", None),
        ("/api/docs", swagger_ready), ("/admin/", None), ("/admin/ledger/parcel/", None),
        (f"/admin/ledger/parcel/{parcel.pk}/change/", None),
        ("/zones/green/", hover_charts), ("/zones/green/SZ/2025/", hover_charts),  # issue 16 §2
    ]
    watched = Watched(browser, site, "admin")
    found = {path: watched.visit(path, ready) for path, ready in pages}
    failing = {path: problems for path, problems in found.items() if problems}
    assert failing == {}, "\n".join(f"{path}: {p[:160]}" for path, problems in failing.items() for p in problems)
    for width in (1920, 360):  # pages whose styles moved out of style="" and <style>, for a person to look at
        watched.page.set_viewport_size({"width": width, "height": 900})
        for name, path in [("findings", "/findings/"), ("parcel", f"/parcels/{parcel.code}/"), ("api-docs", "/api/docs")]:
            watched.page.goto(f"{site}{path}")
            watched.page.wait_for_load_state("networkidle")
            screenshot(watched.page, f"csp-{name}-{width}")
    anonymous = Watched(browser, site, None)
    assert anonymous.visit("/login/") == []


def test_api_docs_render_offline_from_our_own_static_files(browser, site):  # noqa: F811
    """issue 13: /api/docs loaded Swagger UI from a CDN and was blank on an offline network."""
    watched = Watched(browser, site, "admin")
    response = watched.page.goto(f"{site}/api/docs")
    html = response.text()
    assert "cdn." not in html and 'src="http' not in html and 'href="http' not in html
    swagger_ready(watched.page)
    expect(watched.page.locator(".opblock-summary-path").first).to_be_visible()
    assert watched.page.locator(".opblock").count() > 5
    screenshot(watched.page, "api-docs-offline")
    assert watched.foreign == [] and watched.page.evaluate("() => window.__violations") == []
