"""一企一档 / 一地一档, issue 14 §5: sections 治理清单 (lists per year with reasons), 四个一批 (suggestion, decision,
reasons, who) and 案件 (number, state, deadline, overdue, link to the case page); none for roles without `list` /
`case` read; rows outside the user's parks left out.

Ledger (parkgov.testing.small_ledger_sheets): firm a holds SZ-0001 (SZ), c rents it; b holds SZ-0002 (SZ-XW1).
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_table
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.testing import (make_case, make_disposition, make_list_entry, make_list_run, small_ledger_sheets, uscc,
                             write_workbook)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def ledger(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=actor)
    a, b, c = (Enterprise.objects.get(credit_code=uscc(n)) for n in (1, 2, 3))
    p1, p2 = Parcel.objects.get(code="SZ-0001"), Parcel.objects.get(code="SZ-0002")
    make_list_entry(run=make_list_run(year=2025), enterprise=a, category="<5万元/亩", reasons=["亩均税收 3.2 < 5"])
    make_list_entry(run=make_list_run(year=2024), enterprise=a, reasons=["2024 年理由"])
    old = make_list_run(year=2023)
    make_list_entry(run=old, enterprise=a, reasons=["旧批次理由"])
    make_list_entry(run=make_list_run(year=2023), enterprise=b, reasons=["新批次理由"])  # newer 2023 run: a left
    make_list_entry(run=make_list_run(year=2025, rule_id="collective", rule_name="集体工业用地", subject="parcel"),
                    parcel=p1, reasons=["集体土地无合法手续"])
    decider = get_user_model().objects.create_user("decider", first_name="张科长", password="x")
    make_disposition(parcel=p1, suggested="rebuild", reasons=["建成 30 年以上"], decided="upgrade",
                     decision_reasons="保留主体厂房", decided_by=decider)
    make_case(number="GZ-2025-001", enterprise=a, state="rectifying", departments=["ecology", "fire"],
              deadline=TODAY - dt.timedelta(days=2), title="危废整改")
    make_case(number="GZ-2025-002", parcel=p1, state="closed", closed_on=TODAY, title="违建拆除")
    make_case(number="GZ-2025-003", enterprise=b, parcel=p2, state="dispatched", title="园区内案件",
              deadline=TODAY + dt.timedelta(days=20))
    make_case(number="GZ-2025-004", enterprise=c, state="to_dispatch", title="丙企业案件")
    make_case(number="GZ-2025-005", enterprise=b, state="to_dispatch", title="开发区层面案件",
              zone=Zone.objects.get(code="SZ"))  # a case of the parent park SZ on a firm of SZ-XW1


def _login(client, role, zones=(), name=None):
    user = get_user_model().objects.create_user(name or f"{role}-{len(zones)}", password="x")
    profile = Profile.objects.create(user=user, role=role, department=role)
    profile.zones.set(Zone.objects.filter(code__in=zones))
    client.force_login(user, backend="parkgov.accounts.backends.ProfileBackend")


def _section(page, name):
    start = page.find(f'id="governance-{name}"')
    return None if start < 0 else page[start:page.find("</section>", start)]


def test_firm_dossier_shows_lists_dispositions_and_cases(client, ledger):
    _login(client, "committee")
    page = client.get(f"/enterprises/{uscc(1)}/").content.decode()
    lists = _section(page, "lists")
    assert "亩均低效企业用地" in lists and "&lt;5万元/亩" in lists and "亩均税收 3.2 &lt; 5" in lists
    assert "2024 年理由" in lists and "旧批次理由" not in lists  # the latest run per rule and year
    assert "集体工业用地" not in lists  # a parcel's entry is about the land
    dispositions = _section(page, "dispositions")
    assert "SZ-0001" in dispositions and "拆除重建" in dispositions and "整治提升" in dispositions
    assert "保留主体厂房" in dispositions and "张科长" in dispositions and "建成 30 年以上" in dispositions
    cases = _section(page, "cases")
    assert 'href="/governance/cases/GZ-2025-001/"' in cases and "整改中" in cases and "逾期" in cases
    assert "生态环境" in cases and "GZ-2025-002" in cases  # a case on its parcel
    assert cases.index("GZ-2025-001") < cases.index("GZ-2025-002")  # open first


def test_parcel_dossier_includes_its_firms_entries_and_cases(client, ledger):
    _login(client, "economy")
    page = client.get("/parcels/SZ-0001/").content.decode()
    lists = _section(page, "lists")
    assert "集体工业用地" in lists and "集体土地无合法手续" in lists and "亩均低效企业用地" in lists
    cases = _section(page, "cases")
    assert "GZ-2025-001" in cases and "GZ-2025-002" in cases and "GZ-2025-004" in cases and "已销号" in cases


def test_a_park_user_sees_only_its_parks_rows(client, ledger):
    _login(client, "ecology", zones=["SZ-XW1"])
    assert client.get(f"/enterprises/{uscc(1)}/").status_code == 404  # the dossier itself is outside
    page = client.get(f"/enterprises/{uscc(2)}/").content.decode()
    assert "新批次理由" in _section(page, "lists")
    cases = _section(page, "cases")
    assert "GZ-2025-003" in cases and "GZ-2025-005" not in cases  # that case belongs to SZ
    cases = _section(client.get("/parcels/SZ-0002/").content.decode(), "cases")
    assert "GZ-2025-003" in cases and "GZ-2025-005" not in cases
    _login(client, "committee", zones=["SZ"], name="committee-sz")  # SZ and its child park
    assert "GZ-2025-005" in _section(client.get(f"/enterprises/{uscc(2)}/").content.decode(), "cases")
    # on the parcel only the cases of its own park: the map shows the same (spatial/governance_data.py)
    assert "GZ-2025-005" not in _section(client.get("/parcels/SZ-0002/").content.decode(), "cases")


def test_no_sections_without_list_or_case_read(client, ledger, monkeypatch):
    spec = role_table()["roles"]["tax"]
    monkeypatch.setitem(spec, "read", [d for d in spec["read"] if d not in ("list", "case")])
    _login(client, "tax")
    for url in (f"/enterprises/{uscc(1)}/", "/parcels/SZ-0001/"):
        page = client.get(url).content.decode()
        assert all(_section(page, name) is None for name in ("lists", "dispositions", "cases")), url
    monkeypatch.setitem(spec, "read", [*spec["read"], "case"])
    _login(client, "tax", name="tax-cases")
    page = client.get("/parcels/SZ-0001/").content.decode()
    assert _section(page, "cases") is not None and _section(page, "lists") is None
