"""Issue 18 §5: one JSON line per request and per job step on stdout, the request id carried from the web request
into its job's steps (inline and on the real worker), and no query string, password, token or figure in a line."""

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.jobs.models import Job, JobStatus
from parkgov.logs import JsonFormatter
from parkgov.testing import small_ledger_sheets, uscc, write_workbook

ROOT = Path(__file__).resolve().parent.parent
REQUEST_FIELDS = {"time", "level", "logger", "event", "request_id", "method", "path", "route", "status",
                  "duration_ms", "user"}
STEP_FIELDS = {"time", "level", "logger", "event", "job", "kind", "user", "request_id", "status", "progress",
               "step", "duration_ms"}


class Lines:
    """What the stdout handler writes while a test runs: the same formatter on a stream of the test's own."""

    def __init__(self):
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list:
        return [json.loads(line) for line in self.text.splitlines()]

    def of(self, event) -> list:
        return [line for line in self.all() if line["event"] == event]


@pytest.fixture
def lines():
    captured = Lines()
    logging.getLogger().addHandler(captured.handler)
    yield captured
    logging.getLogger().removeHandler(captured.handler)


@pytest.fixture
def importer(db, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PARKGOV_MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = get_user_model().objects.create_user("importer", password="Geheim-Passwort-42")
    Profile.objects.create(user=user, role="admin")
    return user


def _time(value) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


@pytest.mark.django_db
def test_a_request_makes_one_line_with_its_id_and_no_query_string(client, lines, caplog):
    response = client.get("/login/?next=/enterprises/&q=91330683MA2D3XYZ1K", HTTP_X_REQUEST_ID="proxy-7f3a.01_x")
    assert response.status_code == 200 and response["X-Request-ID"] == "proxy-7f3a.01_x"
    [line] = lines.of("request")
    assert set(line) == REQUEST_FIELDS
    assert (line["logger"], line["level"], line["request_id"], line["method"], line["path"], line["route"],
            line["status"], line["user"]) == ("parkgov.requests", "INFO", "proxy-7f3a.01_x", "GET", "/login/",
                                             "login/", 200, None)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert abs(_time(line["time"]) - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
    assert "91330683MA2D3XYZ1K" not in lines.text and "next=" not in lines.text
    assert [r.request_id for r in caplog.records if r.name == "parkgov.requests"] == ["proxy-7f3a.01_x"]


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["", "a" * 65, "has space", "名字", "x\ny", "id;drop", "../etc"])
def test_an_unsafe_or_missing_request_id_is_replaced(client, lines, incoming):
    response = client.get("/login/", HTTP_X_REQUEST_ID=incoming)
    [line] = lines.of("request")
    assert line["request_id"] == response["X-Request-ID"] != incoming
    assert len(line["request_id"]) == 32 and int(line["request_id"], 16) >= 0  # a new uuid4, hex


@pytest.mark.django_db
def test_a_logged_in_request_names_the_user_and_health_checks_log_at_debug(client, importer, lines):
    client.force_login(importer)
    assert client.get("/import/").status_code == 200
    [line] = lines.of("request")
    assert line["user"] == {"id": importer.pk, "username": "importer"} and line["path"] == "/import/"
    assert client.get("/healthz").status_code in (200, 503)
    health = [r for r in lines.of("request") if r["path"] == "/healthz"]
    assert health == [] or health[0]["status"] == 503  # DEBUG unless it fails: below the default level


@pytest.mark.django_db
def test_an_api_call_with_a_token_names_its_user_never_the_token(client, importer, lines):
    from parkgov.accounts.services import issue_api_token

    token = issue_api_token(user=importer)
    assert client.get("/api/zones", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    [line] = lines.of("request")
    assert line["user"] == {"id": importer.pk, "username": "importer"} and line["path"] == "/api/zones"
    assert token not in lines.text and "Bearer" not in lines.text


@pytest.mark.django_db
def test_a_login_logs_neither_the_password_nor_the_query_string(client, importer, lines):
    code = uscc(7)
    client.cookies.load({"sessionid": "cookie-value-never-logged"})
    response = client.post(f"/login/?next=/enterprises/{code}/&credit_code={code}",
                           {"username": "importer", "password": "Geheim-Passwort-42"})
    assert response.status_code == 302
    failed = client.post("/login/", {"username": "Falsch-Passwort-im-Namen", "password": "Falsch-Passwort-99"})
    assert failed.status_code == 200
    requests = lines.of("request")
    assert [(r["path"], r["status"]) for r in requests] == [("/login/", 302), ("/login/", 200)]
    assert requests[0]["user"] == {"id": importer.pk, "username": "importer"}  # logged in by this request
    for secret in ("Geheim-Passwort-42", "Falsch-Passwort", code, "credit_code", "cookie-value-never-logged"):
        assert secret not in lines.text, secret


@pytest.mark.django_db
def test_an_import_started_on_the_page_logs_each_step_with_the_requests_id(client, importer, lines, tmp_path,
                                                                        django_capture_on_commit_callbacks):
    client.force_login(importer)
    workbook = write_workbook(tmp_path / "台账.xlsx", small_ledger_sheets())
    with django_capture_on_commit_callbacks(execute=True), workbook.open("rb") as handle:
        response = client.post("/import/", {"file": handle}, HTTP_X_REQUEST_ID="web-import-1")
    assert response.status_code == 302 and response["X-Request-ID"] == "web-import-1"
    job = Job.objects.get(kind="import")
    assert job.request_id == "web-import-1" and job.status == JobStatus.DONE, job.message
    steps = lines.of("job_step")
    assert len(steps) >= 3 and all(set(step) == STEP_FIELDS for step in steps)
    assert {(s["job"], s["kind"], s["request_id"]) for s in steps} == {(str(job.pk), "import", "web-import-1")}
    assert {s["user"]["id"] for s in steps} == {importer.pk}
    assert steps[0]["status"] == "running" and steps[-1]["status"] == "done" and steps[-1]["progress"] == 100
    assert all(s["status"] == "running" for s in steps[1:-1])
    assert all(isinstance(s["duration_ms"], float) and s["duration_ms"] >= 0 for s in steps)
    times = [_time(s["time"]) for s in steps]
    assert times == sorted(times)
    assert sum(s["duration_ms"] for s in steps[1:]) <= (times[-1] - times[0]).total_seconds() * 1000 + 5
    [request] = [r for r in lines.of("request") if r["path"] == "/import/"]
    assert request["request_id"] == "web-import-1" and request["status"] == 302
    for figure in ("result", "written"):  # a step line never carries the job's result
        assert all(figure not in step for step in steps)


def test_an_error_becomes_one_line_with_its_traceback_and_the_request_id():
    from parkgov.logs import request_context

    captured = Lines()
    log = logging.getLogger("parkgov.test")
    log.addHandler(captured.handler)
    try:
        with request_context("req-err-1"):
            try:
                {}["missing"]
            except KeyError:
                log.exception("reading %s failed", "the sheet", extra={"rows": 3, "request": object()})
    finally:
        log.removeHandler(captured.handler)
    [line] = captured.all()
    assert (line["event"], line["level"], line["message"], line["request_id"], line["rows"]) == (
        "log", "ERROR", "reading the sheet failed", "req-err-1", 3)
    assert "request" not in line  # Django's records carry the request object: never written
    assert line["exc"].startswith("Traceback") and "KeyError: 'missing'" in line["exc"]


def _django(code, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("PARKGOV_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**base, "DJANGO_SETTINGS_MODULE": "parkgov.settings",
                               "PARKGOV_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env})


def test_json_by_default_text_for_developers_and_the_level_from_the_environment(tmp_path):
    code = "import logging; l = logging.getLogger('parkgov.x'); l.info('one %s', 1); l.warning('two')"
    default = _django(code, tmp_path)
    assert default.returncode == 0, default.stderr
    assert [(j["level"], j["message"]) for j in map(json.loads, default.stdout.splitlines())] == [
        ("INFO", "one 1"), ("WARNING", "two")]
    text = _django(code, tmp_path, PARKGOV_LOG_FORMAT="text", PARKGOV_LOG_LEVEL="warning")
    assert text.returncode == 0, text.stderr
    [line] = text.stdout.splitlines()
    assert line.endswith("WARNING parkgov.x two") and not line.startswith("{")
    wrong = _django(code, tmp_path, PARKGOV_LOG_FORMAT="xml")
    assert wrong.returncode != 0 and "PARKGOV_LOG_FORMAT 只能是 json 或 text" in wrong.stderr


def _worker_env(tmp_path) -> dict:
    """The environment of processes started by a test: a file SQLite of their own, or on PostgreSQL the test
    database of this pass (migrated by pytest-django; the test is transactional, so it is emptied afterwards)."""
    env = dict(os.environ, PARKGOV_TASK_BACKEND="django_tasks_db.DatabaseBackend", PARKGOV_LOG_FORMAT="json",
               PARKGOV_LOG_LEVEL="INFO", DJANGO_SETTINGS_MODULE="parkgov.settings",
               PARKGOV_MEDIA_ROOT=str(tmp_path / "media"), PARKGOV_ALLOWED_HOSTS="testserver,127.0.0.1")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        env["PARKGOV_DATABASE_URL"] = f"sqlite:///{tmp_path / 'jobs.db'}"
        subprocess.run([sys.executable, "-m", "parkgov.cli", "init"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
    else:
        env["PARKGOV_DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


@pytest.mark.django_db(transaction=True)
def test_the_worker_prints_json_step_lines_with_the_id_of_the_request_that_started_the_job(tmp_path):
    """A job started by a web request, run by the real job worker (`jobs_worker`, as `parkgov serve` runs it):
    every line of the worker's stdout is JSON, and its step lines carry the request's id kept on the job."""
    env = _worker_env(tmp_path)
    workbook = write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    web = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import django; django.setup()
        from django.contrib.auth import get_user_model
        from django.test import Client
        from parkgov.accounts.models import Profile
        from parkgov.jobs.models import Job
        user = get_user_model().objects.create_user("worker-test")
        Profile.objects.create(user=user, role="admin")
        client = Client()
        client.force_login(user)
        with open({str(workbook)!r}, "rb") as handle:
            assert client.post("/import/", {{"file": handle}}, HTTP_X_REQUEST_ID="req-to-worker").status_code == 302
        job = Job.objects.get(kind="import")
        print("JOB", job.pk, job.request_id, job.status)
    """)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert web.returncode == 0, web.stderr[-2000:]
    [request] = [json.loads(line) for line in web.stdout.splitlines() if '"event": "request"' in line]
    assert request["request_id"] == "req-to-worker" and request["user"]["username"] == "worker-test"
    [(job_id, request_id, status)] = [line.split()[1:] for line in web.stdout.splitlines() if line.startswith("JOB ")]
    assert (request_id, status) == ("req-to-worker", "queued")

    worker = subprocess.run([sys.executable, "-m", "django", "jobs_worker", "--max-tasks", "1", "--no-startup-delay",
                             "--no-reload", "--interval", "0.2"], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    printed = [json.loads(line) for line in worker.stdout.splitlines()]  # every line: JSON
    steps = [line for line in printed if line["event"] == "job_step"]
    assert len(steps) >= 3, worker.stdout[-2000:]
    assert {(s["job"], s["kind"], s["request_id"], s["user"]["username"]) for s in steps} == {
        (job_id, "import", "req-to-worker", "worker-test")}
    assert steps[-1]["status"] == "done" and all(s["duration_ms"] >= 0 for s in steps)
    assert {line["logger"] for line in printed} >= {"parkgov.jobs.steps", "django_tasks_db"}


@pytest.mark.django_db(transaction=True)
def test_serve_prints_json_lines_only_and_gunicorn_no_access_log_of_its_own(tmp_path):
    """`parkgov serve`: gunicorn's own lines in the same JSON, one request line per request (ours, without the
    query string), none from gunicorn's access log."""
    import signal
    import socket
    import time
    import urllib.request

    env = _worker_env(tmp_path)
    env.update(PARKGOV_STATIC_ROOT=str(tmp_path / "static"), PARKGOV_GRACEFUL_TIMEOUT="5")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served = subprocess.Popen([sys.executable, "-m", "parkgov", "serve", "--port", str(port), "--workers", "1"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, status = time.monotonic() + 120, None
        while status != 200 and time.monotonic() < deadline and served.poll() is None:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/login/?q=91330683MA2D3XYZ1K",
                                                 headers={"X-Request-ID": "served-1"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, echoed = response.status, response.headers["X-Request-ID"]
            except OSError:
                time.sleep(0.3)
        assert status == 200 and echoed == "served-1"
    finally:
        served.send_signal(signal.SIGTERM)
        out, err = served.communicate(timeout=60)
    printed = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert all(line.startswith("{") or line.startswith("园区管家已启动") for line in out.splitlines()), out
    requests = [line for line in printed if line["event"] == "request" and line["path"] == "/login/"]
    assert [(r["request_id"], r["status"]) for r in requests] == [("served-1", 200)]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in printed)
    assert "91330683MA2D3XYZ1K" not in out + err and "GET /login" not in out + err
