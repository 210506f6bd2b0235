"""Background jobs on the real worker: django-tasks-db's db_worker picks an import job from the database and
stores its progress and result there (no extra server)."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from parkgov.testing import small_ledger_sheets, write_workbook
from tests.processes import migrated_database

pytestmark = pytest.mark.django_db(transaction=True)


def _env(tmp_path):
    env = dict(os.environ, PARKGOV_TASK_BACKEND="django_tasks_db.DatabaseBackend",
               DJANGO_SETTINGS_MODULE="parkgov.settings", PARKGOV_MEDIA_ROOT=str(tmp_path / "media"))
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        env["PARKGOV_DATABASE_URL"] = migrated_database(tmp_path, "jobs")
    else:
        env["PARKGOV_DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


def _python(env, code):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_import_job_runs_on_the_database_worker(tmp_path):
    env = _env(tmp_path)
    workbook = write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    job_id = _python(env, f"""
        import django; django.setup()
        from django.db import transaction
        from parkgov.audit.context import system_user
        from parkgov.jobs.services import start_job
        with transaction.atomic():
            job = start_job(kind="import", title="导入", user=system_user("test:jobs"),
                            params={{"path": {str(workbook)!r}, "name": "ledger.xlsx", "department": "economy"}})
        print(job.pk)
    """)
    assert _python(env, f"""
        import django; django.setup()
        from parkgov.jobs.models import Job
        print(Job.objects.get(pk={job_id!r}).status)
    """) == "queued"
    worker = subprocess.run([sys.executable, "-m", "django", "db_worker", "--max-tasks", "1", "--no-startup-delay",
                             "--no-reload", "--interval", "0.2"], env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    status = _python(env, f"""
        import django; django.setup()
        from parkgov.jobs.models import Job
        from parkgov.ledger.models import Enterprise
        job = Job.objects.get(pk={job_id!r})
        print(job.status, job.progress, job.result["written"]["企业"]["created"], Enterprise.objects.count())
    """)
    assert status == "done 100 3 3"
