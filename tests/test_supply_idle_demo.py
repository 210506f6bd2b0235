"""Issue 15 §3 in the demo: as of 2025-12-31 supplied parcels sit at every idle status, with notices at each step
of the procedure and a government-caused exception; the governance list 闲置土地 has entries in both years."""

import datetime as dt

import pytest

from parkgov.demo.services import build_demo
from parkgov.governance.models import ListRun
from parkgov.supply.choices import IdleStatus, NoticeKind
from parkgov.supply.idle import idle_status
from parkgov.supply.models import IdleCheck, IdleException, IdleNotice, ReviewRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(actor, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    build_demo(enterprises=400, seed=2021, actor=actor, governance=True)


def test_every_idle_status_with_notices_and_lists(demo):
    rows = idle_status(on=dt.date(2025, 12, 31))
    assert set(rows["status"].to_list()) == set(IdleStatus.values)
    assert set(IdleNotice.objects.values_list("kind", flat=True)) == set(NoticeKind.values)
    exception = IdleException.objects.get(contract__agreed_start=dt.date(2024, 10, 31))
    assert exception.cause == "not_delivered" and exception.extended_start == dt.date(2025, 8, 31)
    government = rows.filter(rows["parcel_id"] == exception.parcel_id).row(0, named=True)
    assert government["status"] == "government"
    assert government["idle_on"] == dt.date(2025, 10, 31) and government["fee"] is None
    stalled = rows.filter((rows["status"] == "idle") & rows["actual_start"].is_not_null())
    assert stalled.height >= 1
    for year in (2024, 2025):
        run = ListRun.objects.filter(rule_id="idle-land", year=year).get()
        assert run.entries_count > 0
    # the review run as of 2025-12-31 (contracts part) stored the same statuses
    review = ReviewRun.objects.filter(as_of=dt.date(2025, 12, 31)).latest("created_at")
    stored = set(IdleCheck.objects.filter(run=review).values_list("status", flat=True))
    assert stored == set(IdleStatus.values)
