"""园区大脑, issue 14 §5: open, overdue and closed cases, per department, and 亩 freed against the zone's yearly
盘活 target, in the user's parks, for roles that read `case`; the figures move when a case closes (cache keys name
the cases' table). Also the `盘活目标` sheet that brings the targets in."""

import datetime as dt
import json
import re

import pytest
import xlsxwriter
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_table
from parkgov.errors import InputError
from parkgov.governance.models import Case, RevitalisationTarget
from parkgov.governance.targets import import_targets
from parkgov.ingest.services import import_workbook
from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.testing import make_case, make_target, small_ledger_sheets, uscc, write_workbook

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
YEAR = 2025  # the ledger's latest year of figures: the cockpit's year


@pytest.fixture
def cases(tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "l.xlsx", small_ledger_sheets()), actor=actor)
    sz, park = Zone.objects.get(code="SZ"), Zone.objects.get(code="SZ-XW1")
    a, b = Enterprise.objects.get(credit_code=uscc(1)), Enterprise.objects.get(credit_code=uscc(2))
    p3 = Parcel.objects.get(code="SZ-0003")
    make_case(number="A-1", enterprise=a, state="rectifying", departments=["ecology", "fire"],
              deadline=TODAY - dt.timedelta(days=3))  # overdue
    make_case(number="A-2", parcel=p3, state="dispatched", departments=["enforcement"],
              deadline=TODAY + dt.timedelta(days=10))
    make_case(number="A-3", parcel=p3, state="closed", departments=["natural_resources"], freed_mu=4.5,
              closed_on=dt.date(YEAR, 6, 1), deadline=dt.date(YEAR, 5, 1))
    make_case(number="A-4", parcel=p3, state="closed", departments=["natural_resources"], freed_mu=9.0,
              closed_on=dt.date(YEAR - 1, 6, 1), deadline=dt.date(YEAR - 1, 5, 1))  # another year: not counted
    make_case(number="B-1", enterprise=b, state="to_verify", departments=["ecology"],
              deadline=TODAY - dt.timedelta(days=1))  # overdue, in the park
    make_target(zone=sz, year=YEAR, target_mu=30)
    make_target(zone=park, year=YEAR, target_mu=8)  # covered by SZ's target for a user of every park
    return {"sz": sz, "park": park}


def _figures(client, role, zones=(), username=None, path=f"/?year={YEAR}"):
    user = get_user_model().objects.create_user(username or f"{role}-{len(zones)}", password="x")
    profile = Profile.objects.create(user=user, role=role, department=role)
    profile.zones.set(Zone.objects.filter(code__in=zones))
    client.force_login(user, backend="parkgov.accounts.backends.ProfileBackend")
    page = client.get(path).content.decode()
    return json.loads(re.search(r'id="cockpit-data" type="application/json">(.*?)</script>', page, re.S).group(1)), page


def _departments(figures):
    return {row["department"]: (row["open"], row["overdue"], row["closed"]) for row in figures["departments"]}


def test_case_figures_for_every_park(client, cases):
    """issue 14: open / overdue / closed in the year, per department, freed against the top zone's target."""
    data, page = _figures(client, "committee")
    c = data["cases"]
    assert (c["open"], c["overdue"], c["closed"]) == (3, 2, 1)
    assert _departments(c) == {"ecology": (2, 2, 0), "fire": (1, 1, 0), "enforcement": (1, 0, 0),
                               "natural_resources": (0, 0, 1)}
    assert (c["freed_mu"], c["target_mu"], c["freed_share"]) == (4.5, 30, 15.0)
    assert 'id="chart-case-departments"' in page and 'id="chart-freed"' in page


def test_the_default_cockpit_counts_this_calendar_years_closures(client, cases):
    """issue 14: the ledger's latest data year (2025) lags the calendar; a case closed today counts on the cockpit
    opened without a year (the demo's closures showed nowhere before), one closed in 2025 does not."""
    make_case(number="A-5", parcel=Parcel.objects.get(code="SZ-0003"), state="closed", departments=["fire"],
              freed_mu=2.0, closed_on=TODAY, deadline=TODAY)
    data, page = _figures(client, "committee", path="/")
    c = data["cases"]
    assert (c["closed"], c["freed_mu"], c["year"]) == (1, 2.0, TODAY.year)
    assert f"{TODAY.year} 年销号" in page


def test_a_park_user_sees_its_parks_figures(client, cases):
    """issue 14: a park-scoped user: the cases and target of its parks only."""
    data, _page = _figures(client, "ecology", zones=["SZ-XW1"])
    c = data["cases"]
    assert (c["open"], c["overdue"], c["closed"], c["freed_mu"], c["target_mu"]) == (1, 1, 0, 0, 8)
    assert _departments(c) == {"ecology": (1, 1, 0)}


def test_roles_without_case_read_get_no_case_figures(client, cases, monkeypatch):
    spec = role_table()["roles"]["tax"]
    monkeypatch.setitem(spec, "read", [d for d in spec["read"] if d != "case"])
    data, page = _figures(client, "tax")
    assert data["cases"] is None and 'id="cases"' not in page


def test_the_figures_move_when_a_case_closes(client, cases):
    """issue 14: closing a case (a saved case writes a history row: a new cache key) moves open, closed and freed."""
    before, _page = _figures(client, "committee", username="before")
    case = Case.objects.get(number="A-2")
    case.state, case.closed_on, case.freed_mu = "closed", dt.date(YEAR, 11, 30), 6.0
    case.save()
    after, _page = _figures(client, "committee", username="after")
    assert (after["cases"]["open"], after["cases"]["closed"]) == (before["cases"]["open"] - 1,
                                                                  before["cases"]["closed"] + 1)
    assert after["cases"]["freed_mu"] == before["cases"]["freed_mu"] + 6.0 == 10.5
    assert _departments(after["cases"])["enforcement"] == (0, 0, 1)


def _sheet(path, rows, name="盘活目标"):
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet(name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return path


def test_targets_come_from_the_sheet(tmp_path, cases):
    """issue 14: zones send their targets in Excel; rows upsert on (zone, year); the source is kept."""
    header = ["园区编码", "年度", "盘活目标（亩）", "来源", "已核实"]
    counts = import_targets(path=_sheet(tmp_path / "t.xlsx", [header, ["SZ", 2025, 3000, "嵊州 2021 §一.(三)", "是"],
                                                              ["SZ-XW1", 2026, 12.5, "园区计划", None]]))
    assert counts == {"created": 1, "updated": 1}
    assert RevitalisationTarget.objects.get(zone__code="SZ", year=2025).target_mu == 3000
    assert RevitalisationTarget.objects.get(zone__code="SZ", year=2025).verified is True
    assert RevitalisationTarget.objects.get(zone__code="SZ-XW1", year=2026).source == "园区计划"


def test_a_bad_target_row_writes_nothing_and_names_the_cell(tmp_path, cases):
    header = ["园区编码", "年度", "盘活目标（亩）", "来源"]
    path = _sheet(tmp_path / "bad.xlsx", [header, ["SZ", 2026, 50, "计划"], ["NOPE", 2026, 5, "计划"],
                                          ["SZ", 2026.5, -1, None]])
    with pytest.raises(InputError) as error:
        import_targets(path=path)
    message = str(error.value)
    assert "bad.xlsx" in message and "盘活目标" in message
    assert "第 3 行“园区编码”" in message and "'NOPE'" in message
    assert "第 4 行“年度”" in message and "第 4 行“盘活目标（亩）”" in message and "第 4 行“来源”" in message
    assert not RevitalisationTarget.objects.filter(year=2026).exists()
    with pytest.raises(InputError, match="没有工作表“盘活目标”"):
        import_targets(path=_sheet(tmp_path / "other.xlsx", [header], name="Sheet1"))
    with pytest.raises(InputError, match="缺少列“来源”"):
        import_targets(path=_sheet(tmp_path / "cols.xlsx", [header[:3], ["SZ", 2026, 5]]))
