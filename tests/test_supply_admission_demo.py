"""Issue 15 §1: the demo's applications are in every state and every outcome, made through the services (every
step an ApplicationEvent), one contracted onto a 批而未供 parcel with its commitments, one refused by the negative
list, one by the thresholds, one with a failing investor check (a class D investor)."""

import pytest

from parkgov.demo.services import build_demo
from parkgov.supply.choices import ApplicationState, Outcome
from parkgov.supply.models import Application, ApplicationEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(actor, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    build_demo(enterprises=400, seed=2021, actor=actor, governance=True)


def test_demo_applications_cover_every_state_and_outcome(demo):
    apps = Application.objects.all()
    assert set(apps.values_list("state", flat=True)) == set(ApplicationState.values)
    assert set(apps.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    contracted = apps.get(state="contracted")
    assert contracted.parcel.supply_status == "supplied_not_used" and contracted.contract.indicators[
        "investment_intensity"] == pytest.approx(320)
    negative = apps.get(industry_code="2521")
    assert negative.outcome == "rejected" and any(c["kind"] == "negative_list" and c["level"] == "block"
                                                  for c in negative.checks)
    thresholds = apps.get(project_name="塑料零件制造项目")
    assert thresholds.outcome == "rejected" and any(c["code"] == "investment_intensity" and c["level"] == "block"
                                                    for c in thresholds.checks)
    conditional = apps.get(outcome="conditional")
    assert next(c for c in conditional.checks if c["code"] == "class_d")["level"] == "warn"
    assert conditional.conditions and apps.filter(round=2).exists() and apps.filter(documents__isnull=False).exists()
    # 5 decided × 6 departments + 3 in review + (1 + 需补正) + (1 + 需补正 + 1 in round 2) = 38
    assert ApplicationEvent.objects.filter(action="opinion").count() == 38
