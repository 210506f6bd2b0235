"""Issue 14 §6: the demo zone shows governance — findings of every department with legal basis and deadlines,
盘活 targets, evaluations of two years, every list matching some firms or parcels in both years."""

import pytest
from django.db.models import F

from parkgov.demo.services import build_demo
from parkgov.evaluation.models import EvaluationRun
from parkgov.governance.listrules import builtin_rules
from parkgov.governance.models import ListRun, RevitalisationTarget
from parkgov.ledger.models import Finding, Parcel, Zone

pytestmark = pytest.mark.django_db

FIRMS = 400


@pytest.fixture
def demo(actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_demo(enterprises=FIRMS, seed=2021, actor=actor, governance=True)


def test_findings_of_every_department_with_legal_basis_deadline_and_follow_up(demo):
    findings = Finding.objects.all()
    departments = set(findings.values_list("department", flat=True))
    assert {"ecology", "emergency", "fire", "enforcement", "market", "natural_resources"} <= departments
    assert not findings.filter(legal_basis="").exists() and not findings.filter(deadline=None).exists()
    assert all(b.startswith("《") and "》第" in b for b in findings.values_list("legal_basis", flat=True))
    assert not findings.filter(deadline__lt=F("found_on")).exists()
    closed = findings.filter(status="closed")
    assert closed.exists() and not closed.filter(closed_on=None).exists()
    assert not findings.exclude(status="closed").exclude(closed_on=None).exists()
    assert findings.filter(rectifiable=False).exists() and findings.filter(rectifiable=True).exists()
    serious_open = findings.exclude(status="closed").filter(severity__in=["serious", "major"])
    assert serious_open.exists()


def test_parcels_have_building_year_quality_and_procedures(demo):
    parcels = Parcel.objects.all()
    assert set(parcels.values_list("building_quality", flat=True)) >= {"good", "fair", "poor"}
    collective = parcels.filter(ownership="collective")
    assert collective.filter(land_procedures="none").exists()
    assert parcels.filter(ownership="state", land_procedures="complete").count() > 0.9 * parcels.filter(
        ownership="state").exclude(land_procedures="").count()
    assert not parcels.filter(supply_status="approved_not_supplied").exclude(building_year=None).exists()


def test_targets_evaluations_and_lists_of_two_years(demo):
    with_land = Zone.objects.filter(parcels__isnull=False).distinct().count()
    assert RevitalisationTarget.objects.count() == with_land * 4
    assert not RevitalisationTarget.objects.filter(target_mu__lte=0).exists()
    root = RevitalisationTarget.objects.get(zone__parent=None, year=2025).target_mu
    parks = sum(RevitalisationTarget.objects.filter(zone__parent__isnull=False, year=2025)
                .values_list("target_mu", flat=True))
    assert parks < root <= parks * 1.5 + 10  # the development zone's target covers its parks' land
    runs = list(EvaluationRun.objects.order_by("pk").values_list("year", "ruleset_id"))
    assert runs == [(2024, "zj-huangyan-2021"), (2024, "shengzhou-tiers"), (2025, "shengzhou-tiers"),
                    (2025, "zj-huangyan-2022")]
    for year in (2024, 2025):
        stored = {run.rule_id: run.entries_count for run in ListRun.objects.filter(year=year)}
        assert sorted(stored) == sorted(builtin_rules()), year
        assert [rule for rule, count in stored.items() if count == 0] == [], year
