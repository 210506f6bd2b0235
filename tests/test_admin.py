"""The Chinese admin: every ledger model is registered and its pages render, with history."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from parkgov.ingest.services import import_workbook
from parkgov.ledger import models
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db
LEDGER_MODELS = [models.Zone, models.Parcel, models.ParcelLineage, models.Enterprise, models.LandLink,
                 models.YearlyFigure, models.Finding, models.Submission]


def test_every_ledger_model_is_in_the_admin():
    assert all(admin.site.is_registered(m) for m in LEDGER_MODELS)


def test_admin_pages_render_in_chinese_with_history(client, tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x-very-long-password-1")
    client.force_login(user)
    for model in LEDGER_MODELS:
        response = client.get(reverse(f"admin:ledger_{model._meta.model_name}_changelist"))
        assert response.status_code == 200, model
    parcel = models.Parcel.objects.get(code="SZ-0001")
    page = client.get(reverse("admin:ledger_parcel_change", args=[parcel.pk])).content.decode()
    assert "宗地代码" in page and "容积率" in page
    history = client.get(reverse("admin:ledger_parcel_history", args=[parcel.pk])).content.decode()
    assert "导入 a.xlsx" in history and "test:operator" in history


def test_admin_edit_is_recorded_with_the_user(client, tmp_path, actor):
    import_workbook(path=write_workbook(tmp_path / "a.xlsx", small_ledger_sheets()), actor=actor)
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x-very-long-password-1")
    client.force_login(user)
    zone = models.Zone.objects.get(code="SZ-XW1")
    response = client.post(reverse("admin:ledger_zone_change", args=[zone.pk]), {
        "code": "SZ-XW1", "name": "三江小微企业园（二期）", "parent": zone.parent_id, "kind": "small_firm_park",
        "division_code": "330683", "level": ""})
    assert response.status_code == 302
    latest = models.Zone.history.filter(id=zone.pk).latest("history_id")
    assert latest.history_user == user and latest.name == "三江小微企业园（二期）"
