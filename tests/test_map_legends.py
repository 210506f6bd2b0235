"""一张图, issue 13 §4: every colouring mode (supply status, class, tier, findings) draws without a style error and
has a legend of parcel counts equal to the database's for the user's parks, computed here from the ORM."""

import datetime as dt
import os
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q

from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.ledger.choices import FindingStatus, LinkRole, Severity
from parkgov.ledger.models import Enterprise, Finding, LandLink, Parcel, Zone
from parkgov.testing import uscc
from tests.test_map import _decode, _user, ledger  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
MODES = {"supply": "supply_status", "class": "class", "tier": "tier", "finding": "finding"}


def _expected(zone_ids=None) -> dict:
    """Mode → Counter of parcels with geometry by value (None = none), straight from the ORM."""
    parcels = Parcel.objects.filter(geometry__isnull=False)
    if zone_ids is not None:
        parcels = parcels.filter(zone_id__in=zone_ids)
    runs = EvaluationRun.objects.filter(zone__isnull=True).order_by("-year", "-created_at", "-id")
    class_run = runs.first()
    tier_run = next((run for run in runs if run.results.exclude(tier="").exists()), None)
    rank = {value: i for i, value in enumerate(Severity.values)}
    counts = {mode: Counter() for mode in MODES}
    for parcel in parcels:
        holder = (LandLink.objects.filter(parcel=parcel, role=LinkRole.HOLDER)
                  .filter(Q(end_date__isnull=True) | Q(end_date__gte=dt.date.today())).order_by("enterprise_id")
                  .values_list("enterprise_id", flat=True).first())
        result = EvaluationResult.objects.filter(run=class_run, enterprise_id=holder).first() if holder else None
        tiered = EvaluationResult.objects.filter(run=tier_run, enterprise_id=holder).first() if holder else None
        severities = Finding.objects.filter(Q(parcel=parcel) | Q(enterprise_id=holder) if holder else Q(parcel=parcel)) \
            .exclude(status=FindingStatus.CLOSED).values_list("severity", flat=True)
        counts["supply"][parcel.supply_status] += 1
        counts["class"][result.class_final if result else None] += 1
        counts["tier"][(tiered.tier or None) if tiered else None] += 1
        counts["finding"][max(severities, key=rank.get) if severities else None] += 1
    return counts


def _served(context, mode) -> Counter:
    """The legend counts the page gives for one mode, summed over parks and statuses (nothing filtered)."""
    counts = context["counts"]
    at = counts["columns"].index(MODES[mode])
    found = Counter()
    for row in counts["rows"]:
        found[row[at]] += row[-1]
    return found


@pytest.fixture
def findings(ledger):  # noqa: F811
    """One more open finding (major, on the holder of SZ-0002) and a closed major one on SZ-0001 (not counted)."""
    firm = Enterprise.objects.get(credit_code=uscc(2))
    Finding.objects.create(enterprise=firm, department="fire", category="fire", severity=Severity.MAJOR,
                           found_on=dt.date(2025, 7, 1), status=FindingStatus.OPEN)
    Finding.objects.create(parcel=Parcel.objects.get(code="SZ-0001"), department="fire", category="fire",
                           severity=Severity.MAJOR, found_on=dt.date(2025, 7, 2), status=FindingStatus.CLOSED)


def test_legend_counts_equal_the_database_for_a_user_of_all_parks(client, findings):
    """issue 13: the legends have counts, equal to the database's, for every mode."""
    client.force_login(_user("committee-all", role="committee"))
    context = client.get("/map/").context["map"]
    assert set(context["legends"]) == set(MODES) | {"list", "case"} | {"commitment", "idle"} | {"topology"}
    # issue 14's, 15's and 17's: tests/test_map_governance.py, tests/test_supply_surfaces_map.py, tests/test_topology.py
    expected = _expected()
    for mode in MODES:
        assert _served(context, mode) == expected[mode], mode
    assert expected["finding"][Severity.MAJOR] == 1 and expected["finding"][Severity.SERIOUS] == 1


def test_legend_counts_equal_the_database_for_a_park_user(client, findings):
    """issue 13: counts cover the user's parks only."""
    client.force_login(_user("committee-park", role="committee", zones=["SZ-XW1"]))
    context = client.get("/map/").context["map"]
    expected = _expected(zone_ids=list(Zone.objects.filter(code="SZ-XW1").values_list("id", flat=True)))
    assert sum(expected["supply"].values()) == 1
    for mode in MODES:
        assert _served(context, mode) == expected[mode], mode


def test_tier_mode_of_a_rule_set_without_tiers_names_the_run(admin_client_no_tiers):
    """issue 13: with a whole-ledger run whose rule set has no tiers the legend said 尚无全域评价结果."""
    context = admin_client_no_tiers.get("/map/").context["map"]
    note = context["legends"]["tier"]["note"]
    assert "尚无全域评价结果" not in note and "2025 年 · 测试规则 2025" in note and "未设亩均税收档位" in note
    assert [item["value"] for item in context["legends"]["tier"]["items"]] == [None]


def test_findings_stay_off_the_map_of_a_department_limited_to_its_own(client, findings):
    """issue 13: the findings mode shows every department's findings: not for a role limited to its own."""
    client.force_login(_user("eco", role="ecology"))
    context = client.get("/map/").context["map"]
    assert "finding" not in context["legends"] and "finding" not in context["counts"]["columns"]
    assert all("finding" not in feature["properties"] for feature in _decode(client, "parcels").values())


def test_tiles_carry_the_worst_open_finding(admin_client_findings):
    """issue 13: the findings mode colours by the tile property `finding`, on the detailed and generalised zooms."""
    for z in (14, 12):
        features = _decode(admin_client_findings, "parcels", z=z)
        assert {code: f["properties"].get("finding") for code, f in features.items()} == {
            "SZ-0001": "minor", "SZ-0002": "major", "SZ-0003": "serious"}, z


@pytest.fixture
def admin_client_no_tiers(client, ledger):  # noqa: F811
    EvaluationResult.objects.update(tier="")
    client.force_login(_user("map-admin-nt", superuser=True))
    return client


@pytest.fixture
def admin_client_findings(client, findings):
    client.force_login(_user("map-admin-f", superuser=True))
    return client


@pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                    reason="需要 Debian 的 Chromium")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tiers", [True, False], ids=["tiers", "rule-set-without-tiers"])
def test_every_mode_draws_with_its_legend_counts(live_server, findings, tiers):
    """issue 13: in Chromium each mode draws without a console error (the tier mode of a rule set without tiers
    was a fill-color expression error) and the legend's counts equal the database's."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch, screenshot

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not tiers:
        EvaluationResult.objects.update(tier="")
    get_user_model().objects.create_superuser("map-modes", password="map-modes-2026")
    expected = _expected()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1920, "height": 1000})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "map-modes")
        page.fill("input[name=password]", "map-modes-2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/map/")
        page.wait_for_selector("#map[data-ready='1']", timeout=30000)
        for mode in MODES:
            page.check(f"input[name=colour][value={mode}]")
            page.wait_for_function("() => window.parkgovMap.loaded()", timeout=20000)
            legend = page.locator(f".map-legend[data-mode={mode}]")
            assert legend.is_visible()
            shown = page.evaluate("""(mode) => Array.from(document.querySelectorAll(
                `.map-legend[data-mode=${mode}] li`)).map((li) => [li.dataset.value,
                Number(li.querySelector(".count").textContent.replace(/[^0-9]/g, ""))])""", mode)
            want = {("" if value is None else value): n for value, n in expected[mode].items()}
            assert {value: n for value, n in shown if n} == want, mode
            assert {value for value, _n in shown} >= set(want), mode
            drawn = page.evaluate("() => window.parkgovMap.queryRenderedFeatures({layers: ['parcel-fill']}).length")
            assert drawn > 0, mode
            screenshot(page, f"map-mode-{mode}{'' if tiers else '-no-tiers'}")
        browser.close()
    assert errors == []
