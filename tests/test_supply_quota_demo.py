"""Issue 15 §4–§5 in the demo: control-indicator violations of each kind, 零增地 renovations, the chemical site's
restoration closed to a quota credit linked to its case, debits linked to parcels, one approved and one pending
transfer, and balances that add up."""

import pytest

from parkgov.demo.services import build_demo
from parkgov.governance.lists import operator_scope
from parkgov.supply.control import ControlFilters, control_rows
from parkgov.supply.models import QuotaAccount, QuotaMovement, QuotaTransfer, Renovation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(actor, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    build_demo(enterprises=400, seed=2021, actor=actor, governance=True)


def test_demo_has_violations_renovations_and_quota_movements(demo):
    rows = control_rows(scope=operator_scope(), filters=ControlFilters())
    assert {r["indicator"] for r in rows} == {"plot_ratio", "building_coefficient", "admin_share", "green_ratio"}
    assert all(r["violated"] and r["edition"] in ("2004", "2008", "2023") for r in rows)
    renovations = Renovation.objects.all()
    assert renovations.count() >= 3
    for row in renovations:
        change = (row.plot_ratio_after - row.plot_ratio_before) * row.parcel.registered_area_m2
        assert row.plot_ratio_after > row.plot_ratio_before and abs(row.floor_area_added_m2 - change) <= 0.05 * change
    credit = QuotaMovement.objects.get(kind="credit")
    assert credit.case.workflow == "chemical_restoration" and credit.case.state == "closed"
    assert credit.mu == credit.case.freed_mu and credit.parcel == credit.case.parcel
    debits = QuotaMovement.objects.filter(kind="debit")
    assert debits.count() >= 1 and not debits.filter(parcel=None).exists()
    assert sorted(QuotaTransfer.objects.values_list("state", flat=True)) == ["approved", "pending"]
    approved = QuotaTransfer.objects.get(state="approved")
    assert approved.movement_out.counterpart == approved.movement_in
    for account in QuotaAccount.objects.all():
        signed = sum(m.mu if m.kind in ("credit", "transfer_in") else -m.mu for m in account.movements.all())
        assert account.balance_mu >= 0 and abs(account.balance_mu - signed) < 1e-6
