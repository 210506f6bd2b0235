"""Uploads keep the user's own file name wherever the user sees it (issue 13): the import page's job list, the job
page and its messages, the error workbook's download name and the change history; never the stored uuid."""

import re
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model

from parkgov.accounts.services import ensure_demo_accounts
from parkgov.jobs.models import Job, JobStatus
from parkgov.jobs.services import upload_name
from parkgov.ledger.models import Enterprise
from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NAME = "园区台账（2024 第二批）.xlsx"


@pytest.fixture
def admin(client, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PARKGOV_MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_demo_accounts()
    client.force_login(get_user_model().objects.get(username="admin"),
                       backend="parkgov.accounts.backends.ProfileBackend")
    return client


def _upload(client, path, capture):
    with capture(execute=True), path.open("rb") as handle:
        assert client.post("/import/", {"file": handle}).status_code == 302
    return Job.objects.filter(kind="import").latest("created_at")


def _visible(client, job):
    return client.get("/import/").content.decode() + client.get(f"/jobs/{job.pk}/").content.decode()


def test_rejected_upload_shows_the_users_file_name(admin, tmp_path, django_capture_on_commit_callbacks):
    sheets = small_ledger_sheets()
    sheets["企业"][1][0] = "不是信用代码"
    job = _upload(admin, write_workbook(tmp_path / NAME, sheets), django_capture_on_commit_callbacks)
    assert job.status == JobStatus.REJECTED, job.message
    html = _visible(admin, job)
    assert NAME in job.message and NAME in html and not UUID.search(job.message + html.replace(str(job.pk), ""))
    download = admin.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert "园区台账（2024 第二批）-错误清单.xlsx" in unquote(download["Content-Disposition"])


def test_accepted_upload_records_the_users_file_name_in_the_history(admin, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    job = _upload(admin, write_workbook(tmp_path / NAME, small_ledger_sheets()), django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE, job.message
    reasons = set(Enterprise.history.values_list("history_change_reason", flat=True))
    assert any(NAME in (reason or "") for reason in reasons) and not any(UUID.search(r or "") for r in reasons)
    assert NAME in _visible(admin, job)


@pytest.mark.parametrize("given, stored", [
    (NAME, NAME), ("../../etc/passwd.XLSX", "passwd.xlsx"), ("a\\b\\c.xlsx", "c.xlsx"), ("\x00\x1f.xlsx", "upload.xlsx"),
    ("地" * 100 + ".geojson", "地" * 64 + ".geojson"), ("", "upload"),
])
def test_stored_names_are_safe(given, stored):
    assert upload_name(given) == stored
