"""Issue 18 §2 as it happens: the job worker is killed outright (kill -9) in the middle of an import's write; after
a restart the job shows 中断, no row of it was written, and running it again from the same upload writes it all.
Cancelling a running import (its owner asks, the worker stops at the next step) also writes nothing.
Real processes (`jobs_worker`, django-tasks' database backend) on a database of this pass's kind."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings

from parkgov.testing import FIRM_HEADER, YEARLY_HEADER, small_ledger_sheets, uscc, write_workbook
from tests.processes import drop_database, migrated_database

ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
ROOT = Path(__file__).resolve().parent.parent
FIRMS = 30_000  # enough that writing takes seconds, so the kill lands in the middle of it


@pytest.fixture(scope="module")
def crash_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crash")
    url = migrated_database(folder, "crash")
    env = dict(os.environ, PARKGOV_DATABASE_URL=url, PARKGOV_MEDIA_ROOT=str(folder / "media"),
               DJANGO_SETTINGS_MODULE="parkgov.settings", PARKGOV_TASK_BACKEND="django_tasks_db.DatabaseBackend")
    sheets = small_ledger_sheets()
    sheets["企业"] += [[uscc(100 + n), f"测试企业{n}", "3854", "规下", "SZ", "存续", None] for n in range(FIRMS)]
    sheets["年度数据"] = [list(YEARLY_HEADER)] + [
        [uscc(100 + n), 2025, 10.0 + n % 50, 500.0, None, None, None, None, None, None, None, 12, None]
        for n in range(FIRMS)]
    assert sheets["企业"][0] == FIRM_HEADER
    workbook = write_workbook(folder / "大批企业.xlsx", sheets)
    yield {"url": url, "env": env, "folder": folder, "workbook": workbook}
    drop_database(url)


def _python(env, code) -> str:
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + textwrap.dedent(code)],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def _worker(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "django", "jobs_worker", "--interval", "0.2", "--no-reload",
                             "--no-startup-delay"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _start_import(env, workbook) -> str:
    return _python(env, f"""
        from django.contrib.auth import get_user_model
        from django.db import transaction
        from parkgov.accounts.models import Profile
        from parkgov.jobs.services import start_job
        user, made = get_user_model().objects.get_or_create(username="importer")
        if made:
            Profile.objects.create(user=user, role="admin")
        with transaction.atomic():
            job = start_job(kind="import", title="导入 大批企业.xlsx", user=user,
                            params={{"path": {str(workbook)!r}, "name": "大批企业.xlsx", "department": "economy"}})
        print(job.pk)
    """)


def _job(env, job_id) -> dict:
    import json

    return json.loads(_python(env, f"""
        import json
        from parkgov.jobs.models import Job
        from parkgov.ledger.models import Enterprise, Submission, YearlyFigure
        job = Job.objects.get(pk={job_id!r})
        print(json.dumps({{"status": job.status, "message": job.message, "worker": job.worker_id,
                          "firms": Enterprise.objects.count(), "figures": YearlyFigure.objects.count(),
                          "submissions": Submission.objects.count(),
                          "events": [e.action for e in job.events.all()]}}, ensure_ascii=False))
    """))


def _status(url, job_id) -> str:
    """The job's state read straight from the database (a poll every 50 ms; a Django process would take a second)."""
    if ON_SQLITE:
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute("SELECT status FROM jobs_job WHERE id = ?", [job_id.replace("-", "")]).fetchone()[0]
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT status FROM jobs_job WHERE id = %s", [job_id]).fetchone()[0]


def _writing(url) -> bool:
    """Whether a transaction is writing the ledger right now: the enterprise table row-locked (PostgreSQL), the
    database's write lock held (SQLite)."""
    if ON_SQLITE:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid "
                            "WHERE c.relname = 'ledger_enterprise' AND l.mode = 'RowExclusiveLock'").fetchone()[0] > 0


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


def _stop(worker):
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_import_then_restart_shows_interrupted_and_retry_writes_it_all(crash_db):
    env, url = crash_db["env"], crash_db["url"]
    job_id = _start_import(env, crash_db["workbook"])
    before = _job(env, job_id)
    worker = _worker(env)
    try:
        _wait(lambda: _status(url, job_id) == "running", 120, "the worker picks the job")
        _wait(lambda: _writing(url) and _writing(url), 240, "the import writes")  # twice: not a progress write
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    dead = _job(env, job_id)
    assert dead["status"] == "running"  # nobody has noticed yet
    assert (dead["firms"], dead["figures"], dead["submissions"]) == \
        (before["firms"], before["figures"], before["submissions"])  # the killed transaction left nothing
    # The silent limit (thresholds.csv worker_silent_seconds) passing is simulated by ageing the dead worker's beat.
    _python(env, f"""
        from datetime import timedelta
        from parkgov.jobs.heartbeat import silent_after
        from parkgov.jobs.models import WorkerHeartbeat
        WorkerHeartbeat.objects.filter(worker_id={dead['worker']!r}).update(
            beat_at=WorkerHeartbeat.objects.get(worker_id={dead['worker']!r}).beat_at - silent_after())
    """)
    worker = _worker(env)  # the restarted worker sweeps for orphans as it starts
    try:
        _wait(lambda: _status(url, job_id) == "interrupted", 60, "中断")
        interrupted = _job(env, job_id)
        assert interrupted["message"].startswith("后台任务进程已停止") and "未完成的写入已全部撤销" in interrupted["message"]
        assert interrupted["events"] == ["start", "interrupt"]
        assert interrupted["firms"] == before["firms"]
        again = _python(env, f"""
            from django.db import transaction
            from parkgov.jobs.models import Job
            from parkgov.jobs.services import retry_job
            job = Job.objects.select_related("created_by").get(pk={job_id!r})
            with transaction.atomic():
                print(retry_job(job=job, user=job.created_by).pk)
        """)
        _wait(lambda: _status(url, again) in ("done", "rejected", "failed"), 300, "retry")
        done = _job(env, again)
        assert done["status"] == "done", done["message"]
        assert done["firms"] == before["firms"] + FIRMS + 3 and done["figures"] == before["figures"] + FIRMS
        assert done["submissions"] == before["submissions"] + 1
        assert _job(env, job_id)["events"] == ["start", "interrupt", "retry"]
    finally:
        _stop(worker)


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_import_stops_it_and_writes_nothing(crash_db):
    env, url = crash_db["env"], crash_db["url"]
    job_id = _start_import(env, crash_db["workbook"])
    counts = _job(env, job_id)
    # The owner's process is up before the worker starts and cancels the moment the job runs.
    owner = subprocess.Popen([sys.executable, "-c", "import django; django.setup()\n" + textwrap.dedent(f"""
        import time
        from parkgov.jobs.models import Job
        from parkgov.jobs.services import cancel_job
        while (job := Job.objects.select_related("created_by").get(pk={job_id!r})).status == "queued":
            time.sleep(0.02)
        print(cancel_job(job=job, user=job.created_by).status)
    """)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker = _worker(env)
    try:
        out, err = owner.communicate(timeout=240)
        assert owner.returncode == 0 and out.strip() == "cancelling", err[-3000:]
        _wait(lambda: _status(url, job_id) not in ("running", "cancelling"), 240, "stop")
        ended = _job(env, job_id)
        assert ended["status"] == "cancelled", ended["message"]
        assert ended["message"].startswith("已取消") and ended["events"] == ["start", "request_cancel", "stop_cancelled"]
        assert (ended["firms"], ended["figures"], ended["submissions"]) == \
            (counts["firms"], counts["figures"], counts["submissions"])
        assert not (crash_db["folder"] / "media" / "jobs" / job_id / ".cancel-requested").exists()
        assert worker.poll() is None  # the worker goes on with the next job
    finally:
        _stop(worker)
