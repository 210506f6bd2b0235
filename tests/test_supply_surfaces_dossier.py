"""issue 15 §6: the supply sections of the parcel and firm dossiers (contracts with their commitments and latest
达产复核, the idle clock with notices and exceptions, renovations, quota movements, applications), per role and
park; roles without `supply` read see none. World: `parkgov.testing.supply_world`."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parkgov.accounts.scopes import scope_for
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.testing import make_contract, make_quota_movement, uscc
from parkgov.reports.dossier_supply import supply_sections
from tests.test_supply_surfaces import READERS, ROLES, user_of, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def sections(page) -> set:
    return set(re.findall(r'id="(supply-[a-z]+)"', page))


@pytest.mark.parametrize("role", ROLES)
def test_parcel_dossier_sections_per_role(client, world, role):
    client.force_login(user_of(role, None))
    response = client.get(reverse("web:parcel", args=["SZ-0002"]))
    if "parcel" not in scope_for(user_of(role, None)).read:
        return
    page = response.content.decode()
    if role not in READERS:
        assert sections(page) == set(), role  # (id="supply" is the parcel's 供地 facts card, not a section)
        assert response.context["supply"] is None
        return
    assert {"supply-contracts", "supply-idle", "supply-renovations", "supply-quota", "supply-applications"} <= \
        sections(page)
    assert 'data-contract="C-2"' in page and 'data-status="not_met"' in page
    assert "18.75" in page and "300 × 37.5% × 0.5% × 100 = 18.75" in page and "限期整改" in page
    assert "2026-06-30" in page  # rectify by
    assert "嵊闲调〔2025〕1号" in page and "2025-05-03" in page  # the notice and its answer due
    assert 'data-run-status="idle"' in page  # the latest review's status beside today's clock
    assert 'data-application="ZR-2025-0004"' in page and 'data-kind="transfer_in"' in page


def test_the_latest_check_is_shown_with_its_indicators(world):
    """The contract's newest check (2025 run: not met, 37.5 % short) and not the 2024 one (met)."""
    scope = scope_for(user_of("committee", None))
    found = supply_sections(scope=scope, parcel=Parcel.objects.get(code="SZ-0002"))
    (contract,) = found["contracts"]
    assert contract.latest_check.run == world["run"] and contract.latest_check.status == "not_met"
    assert contract.latest_check.indicators[0]["shortfall_pct"] == 37.5
    assert [r["code"] for r in contract.commitment_rows] == ["tax_per_mu", "investment_intensity"]  # checked first
    assert contract.commitment_rows[0]["name"] == "亩均税收"
    (clock,) = found["idle"]  # today's clock (supply.idle.idle_clock) and the latest run's stored status
    today = timezone.localdate()
    assert clock["status"] == "started" and clock["contract"].number == "C-2"  # started 390 days ago
    assert clock["agreed_start"] == today - dt.timedelta(days=400) and clock["check"].status == "idle"
    assert [n.document_number for n in clock["notices"]] == ["嵊闲调〔2025〕1号"]
    assert [r.storeys_added for r in found["renovations"]] == [2]


def test_firm_dossier_shows_its_contracts_and_applications_in_the_users_parks(world):
    """Firm 2 (park SZ-XW1) holds C-2; a contract of it on a parcel of park SZ is cut for a user of SZ-XW1."""
    firm = Enterprise.objects.get(credit_code=uscc(2))
    make_contract(number="C-9", parcel=Parcel.objects.get(code="SZ-0003"), enterprise=firm)
    every = supply_sections(scope=scope_for(user_of("committee", None)), enterprise=firm)
    assert [c.number for c in every["contracts"]] == ["C-2", "C-9"]  # newest signed first, then by number
    assert {a.number for a in every["applications"]} == {"ZR-2025-0004", "ZR-2025-0005"}
    assert {clock["parcel"].code for clock in every["idle"]} == {"SZ-0002", "SZ-0003"}
    park = supply_sections(scope=scope_for(user_of("committee", "SZ-XW1")), enterprise=firm)
    assert [c.number for c in park["contracts"]] == ["C-2"]
    assert {clock["parcel"].code for clock in park["idle"]} == {"SZ-0002"}


def test_quota_movements_on_another_parks_account_are_cut(world):
    """A transfer booked on park SZ's account for parcel SZ-0002 (park SZ-XW1) is not shown to a user of SZ-XW1."""
    from parkgov.supply.models import QuotaAccount

    parcel = Parcel.objects.get(code="SZ-0002")
    make_quota_movement(account=QuotaAccount.objects.get(zone__code="SZ"), kind="transfer_out", mu=3, parcel=parcel,
                        transfer_state="approved")
    every = supply_sections(scope=scope_for(user_of("committee", None)), parcel=parcel)
    park = supply_sections(scope=scope_for(user_of("committee", "SZ-XW1")), parcel=parcel)
    assert sorted(m.kind for m in every["quota"]) == ["transfer_in", "transfer_out"]
    assert [m.kind for m in park["quota"]] == ["transfer_in"]


def test_firm_dossier_page_renders_the_sections(client, world):
    client.force_login(user_of("economy", None))
    page = client.get(reverse("web:enterprise", args=[uscc(2)])).content.decode()
    assert {"supply-contracts", "supply-idle", "supply-applications"} <= sections(page)
    assert 'data-parcel="SZ-0002"' in page and 'data-contract="C-2"' in page


def test_actual_values_from_hidden_figures_are_withheld(client, world):
    """亩均税收's actual value is computed from tax (indicators.yaml): 住建 (no tax figures) sees the committed
    value and the result, not the actual value or the shortfall; 经信 sees them. (The damages and their formula,
    a consequence of the contract, stay.)"""
    parcel = Parcel.objects.get(code="SZ-0002")
    (hidden,) = supply_sections(scope=scope_for(user_of("housing", None)), parcel=parcel)["contracts"]
    (shown,) = supply_sections(scope=scope_for(user_of("economy", None)), parcel=parcel)["contracts"]
    assert hidden.latest_check.indicators[0] | {} == {**shown.latest_check.indicators[0], "actual": None,
                                                      "shortfall_pct": None, "withheld": True}
    assert shown.latest_check.indicators[0]["actual"] == 12.5
    client.force_login(user_of("housing", None))
    page = client.get(reverse("web:parcel", args=["SZ-0002"])).content.decode()
    row = re.search(r'<tr data-indicator="tax_per_mu".*?</tr>', page, re.S).group(0)
    assert "12.5" not in row and "37.5" not in row and "无权查看" in row and ">20<" in row
