"""Issue 14 §6 in Chromium, the whole loop: a 经信 user generates the 2025 lists; the 管委会 opens a case from a
list entry naming two departments and dispatches it; the two departments act (accept, upload evidence, submit)
and both sign off; the 管委会 closes it (销号) and the cockpit's closed cases and 亩 freed move. Pages are
photographed at 1920 and 360 px (test-output/screenshots/governance-*.png) and raise no console or CSP error."""

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.demo.evidence import photo_png
from parkgov.demo.services import build_demo
from parkgov.evaluation.services import run_evaluation
from parkgov.governance.models import Case
from tests.browser import launch, screenshot
from tests.test_browser import login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.path.exists(os.environ.get("PARKGOV_CHROMIUM", "/usr/bin/chromium")),
                                 reason="需要 Debian 的 Chromium")]
FREED_MU = 6.5


@pytest.fixture
def zone(live_server, tmp_path, actor, settings):
    """A small demo zone (ledger only) with its 2025 evaluation and one account per role; no lists, no cases."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    build_demo(enterprises=80, seed=7, actor=actor)
    run_evaluation(year=2025, ruleset_id="zj-huangyan-2022", actor=actor)
    ensure_demo_accounts()
    yield live_server.url
    from django.db import connections

    connections.close_all()


def watch(page, errors):
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def photograph(page, name):
    for width in (1920, 360):
        page.set_viewport_size({"width": width, "height": 900})
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (name, width, widths)
        screenshot(page, f"governance-{name}-{width}")
    page.set_viewport_size({"width": 1400, "height": 900})


def cockpit_cases(page, site, year):
    """(closed in `year`, 亩 freed) as the cockpit's case card shows them to the 管委会."""
    page.goto(f"{site}/?year={year}")
    closed = page.locator("#cases [data-key=cases_closed] .value").inner_text()
    freed = page.locator("#cases [data-key=freed_mu] .value").inner_text()
    return int(re.match(r"\d+", closed).group()), float(re.match(r"[\d.,]+", freed).group().replace(",", ""))


def act(page, action, comment=""):
    form = page.locator(f"#action-{action}")
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_lists_case_departments_sign_off_and_the_cockpit_moves(zone, tmp_path):
    site, errors = zone, []
    photo = tmp_path / "整改后现场.png"
    photo.write_bytes(photo_png(shade=30))
    year = timezone.localdate().year  # the year cases are closed in: the cockpit's case card for that year
    with sync_playwright() as playwright:
        browser = launch(playwright)
        # 经信 generates the 2025 lists (the job runs; its page ends done)
        economy = watch(login(browser, site, "economy"), errors)
        economy.goto(f"{site}/governance/?year=2025")
        expect(economy.locator("#no-lists")).to_be_visible()
        economy.fill("#generate-form input[name=year]", "2025")
        economy.click("#generate-form button[type=submit]")
        expect(economy.locator("#job-status")).to_have_attribute("data-status", "done", timeout=60000)
        economy.goto(f"{site}/governance/?year=2025")
        expect(economy.locator("#list-runs tr[data-rule=low-efficiency-firms]")).to_be_visible()
        photograph(economy, "lists")
        economy.click("#list-runs tr[data-rule=low-efficiency-firms] a")
        expect(economy.locator("#entries tbody tr").first).to_be_visible()
        expect(economy.locator("a.open-case")).to_have_count(0)  # 经信 may not open cases: no 立案 link for it

        # 管委会 opens a case from an entry of the 亩均低效 list, naming 经信 (lead) and 自然资源和规划
        committee = watch(login(browser, site, "committee"), errors)
        before = cockpit_cases(committee, site, year)
        committee.goto(f"{site}/governance/?year=2025")
        committee.click("#list-runs tr[data-rule=low-efficiency-firms] a")
        committee.locator("a.open-case").first.click()
        expect(committee.locator("#from-entry")).to_contain_text("亩均低效企业用地")
        committee.select_option("#id_lead_department", "economy")
        committee.check("#open-form input[name=departments][value=economy]")
        committee.check("#open-form input[name=departments][value=natural_resources]")
        committee.fill("#id_deadline", f"{year + 1}-06-30")
        committee.fill("#id_target_free_mu", str(FREED_MU))
        committee.fill("#id_measures", "腾退闲置厂房，引进优质项目")
        photograph(committee, "case-open")
        committee.click("#open-form button[type=submit]")
        expect(committee.locator("#identity .finding-head")).to_contain_text("待派")
        number = committee.locator("#identity dd.mono").inner_text().strip()
        case_url = f"{site}/governance/cases/{number}/"
        act(committee, "dispatch")
        expect(committee.locator("#timeline")).to_contain_text("派发")

        # the two departments act: 自然资源和规划 uploads evidence, 经信 accepts and submits; both sign off
        resources = watch(login(browser, site, "natural_resources"), errors)
        economy.goto(case_url)
        act(economy, "accept", "已接收，制定整改方案")
        resources.goto(case_url)
        resources.set_input_files("#evidence-form input[name=files]", str(photo))
        resources.fill("#evidence-form input[name=comment]", "厂房腾退后现场")
        resources.click("#evidence-form button[type=submit]")
        expect(resources.locator("ul.evidence img")).to_have_count(1)
        resources.wait_for_function("() => document.querySelector('ul.evidence img').complete")  # loaded (CI is slower)
        assert resources.evaluate("() => document.querySelector('ul.evidence img').naturalWidth") == 96
        economy.goto(case_url)
        act(economy, "submit", "整改完成，申请核验")
        expect(economy.locator("#identity")).to_contain_text("待核验")
        for page, department in ((economy, "经信"), (resources, "自然资源和规划")):
            page.goto(case_url)
            page.check("#action-sign_off input[name=decision][value=approve]")
            act(page, "sign_off", f"{department}：现场核查，整改到位")
            expect(page.locator("#signoffs")).to_contain_text(f"{department}：现场核查")
        photograph(resources, "case-signed")

        # 管委会 closes it (销号) with the acceptance record and the 亩 freed; the cockpit moves
        committee.goto(case_url)
        committee.fill("#action-close input[name=freed_mu]", str(FREED_MU))
        act(committee, "close", "项目化验收合格，同意销号")
        expect(committee.locator("#identity")).to_contain_text("已销号")
        expect(committee.locator("#acceptance-record")).to_contain_text("项目化验收合格")
        photograph(committee, "case-closed")
        after = cockpit_cases(committee, site, year)
        assert after[0] == before[0] + 1, (before, after)
        assert after[1] == pytest.approx(before[1] + FREED_MU), (before, after)
        photograph(committee, "cockpit")
        browser.close()
    case = Case.objects.get(number=number)
    assert case.state == "closed" and case.departments == ["economy", "natural_resources"]
    assert case.list_entry.run.rule_id == "low-efficiency-firms"
    assert sorted(case.signoffs.values_list("department", flat=True)) == ["economy", "natural_resources"]
    assert [e.action for e in case.events.order_by("at", "id")] == [
        "open", "dispatch", "accept", "evidence", "submit", "sign_off", "sign_off", "close"]
    assert errors == []
