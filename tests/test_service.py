"""Issue 18 §1–§3 as an operator tries them: `parkgov serve` stops on SIGTERM/SIGINT with no child left and the
port free, reloads gunicorn's workers on SIGHUP, takes its children with it when killed; `/healthz` and `parkgov
status` name what fails; a job whose worker died is marked 中断 and can be run again by its user only. The
processes run against a database of this pass's kind (a file for SQLite, a database of its own on PostgreSQL)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from parkgov.jobs.heartbeat import INTERRUPTED_MESSAGE, beat, interrupt_orphans
from parkgov.jobs.models import Job, JobStatus, WorkerHeartbeat

ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def service_database(tmp_path_factory):
    """A migrated database for the served processes, removed afterwards."""
    folder = tmp_path_factory.mktemp("service")
    if ON_SQLITE:
        url = f"sqlite:///{folder / 'service.db'}"
    else:
        import psycopg

        db = settings.DATABASES["default"]
        name = f"{db['NAME'].removeprefix('test_')}_service"
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
        with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    env = _env(url, folder)
    assert subprocess.run([sys.executable, "-m", "parkgov", "init"], env=env, cwd=ROOT, capture_output=True,
                          timeout=300).returncode == 0
    yield url, folder
    if not ON_SQLITE:
        import psycopg

        with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(url, folder):
    return dict(os.environ, PARKGOV_DATABASE_URL=url, PARKGOV_MEDIA_ROOT=str(folder / "media"),
                PARKGOV_STATIC_ROOT=str(folder / "static"), PARKGOV_GRACEFUL_TIMEOUT="5",
                DJANGO_SETTINGS_MODULE="parkgov.settings",
                PARKGOV_TASK_BACKEND="django_tasks_db.DatabaseBackend")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid) -> set:
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _descendants(pid) -> set:
    children = _children(pid)
    return children | {d for c in children for d in _descendants(c)}


def _alive(pid) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get(port, path, timeout=30):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _port_free(port) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Served:
    """`python -m parkgov serve` on a free port, started and waited for (the worker's heartbeat included)."""

    def __init__(self, url, folder):
        self.port = _free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "parkgov", "serve", "--port", str(self.port),
                                         "--workers", "2"], env=_env(url, folder), cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, body = _get(self.port, "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            assert self.process.poll() is None, self.output()
            time.sleep(0.5)
        else:
            raise AssertionError(f"not healthy within 120 s: {self.output()}")
        self.children = _descendants(self.process.pid)
        assert len(self.children) >= 4  # gunicorn, its 2 workers, the job worker

    def output(self) -> str:
        if self.process.poll() is None:
            return "(running)"
        return self.process.stdout.read().decode(errors="replace")[-3000:]

    def stopped_within(self, seconds) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None and not any(_alive(c) for c in self.children):
                return True
            time.sleep(0.1)
        return False

    def kill_all(self):
        for pid in {self.process.pid} | self.children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_every_process_and_frees_the_port(service_database, signum):
    served = Served(*service_database)
    try:
        started = time.monotonic()
        served.process.send_signal(signum)
        assert served.stopped_within(30), served.output()
        assert served.process.returncode == 0, served.output()
        assert _port_free(served.port)
        print(f"stopped in {time.monotonic() - started:.1f} s")
    finally:
        served.kill_all()


def test_hup_reloads_the_web_workers_and_requests_go_on(service_database):
    served = Served(*service_database)
    try:
        gunicorn = next(pid for pid in _children(served.process.pid)
                        if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes())
        before = _descendants(gunicorn)
        served.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            after = {p for p in _descendants(gunicorn) if _alive(p)}
            if len(after) >= 2 and not after & before:
                break
            time.sleep(0.3)
        assert len(after) >= 2 and not after & before, (before, after)
        assert _get(served.port, "/login/")[0] == 200
        assert served.process.poll() is None
        served.process.send_signal(signal.SIGTERM)
        assert served.stopped_within(30) and served.process.returncode == 0
        served.children |= after
        assert not any(_alive(p) for p in served.children)
    finally:
        served.kill_all()


def test_killing_serve_outright_takes_its_children_with_it(service_database):
    """SIGKILL cannot be handled: the children are told by the parent-death signal and stop by themselves."""
    served = Served(*service_database)
    try:
        served.process.send_signal(signal.SIGKILL)
        assert served.stopped_within(30), [p for p in served.children if _alive(p)]
        assert _port_free(served.port)
    finally:
        served.kill_all()


def test_status_names_a_stopped_worker_and_a_dead_worker_stops_serve(service_database):
    """`parkgov status` while serving: every check passes; after a clean stop: the worker check fails (exit 1).
    A job worker killed outright makes `serve` stop the web too and exit 1, so that systemd restarts the service."""
    url, folder = service_database
    forget = "import django; django.setup(); from parkgov.jobs.models import WorkerHeartbeat; " \
             "WorkerHeartbeat.objects.all().delete()"  # workers SIGKILLed by earlier tests left their rows
    subprocess.run([sys.executable, "-c", forget], env=_env(url, folder), cwd=ROOT, check=True, timeout=120)
    served = Served(url, folder)
    try:
        status, body = _get(served.port, "/healthz")
        assert status == 200 and json.loads(body) == {
            "status": "ok", "failed": [], "checks": {"database": "ok", "migrations": "ok", "worker": "ok", "disk": "ok"}}
        result = subprocess.run([sys.executable, "-m", "parkgov", "status"], env=_env(url, folder), cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "个任务进程在运行" in result.stdout.split("\n")[2] and "任务队列：排队 0 个" in result.stdout
        assert "最近备份：没有记录" in result.stdout and ("SQLite" if ON_SQLITE else "PostgreSQL") in result.stdout
        served.process.send_signal(signal.SIGTERM)
        assert served.stopped_within(30)
        result = subprocess.run([sys.executable, "-m", "parkgov", "status"], env=_env(url, folder), cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1 and "异常  任务进程：" in result.stdout, result.stdout

        served = Served(url, folder)
        worker = next(pid for pid in served.children if b"jobs_worker" in Path(f"/proc/{pid}/cmdline").read_bytes())
        os.kill(worker, signal.SIGKILL)
        assert served.stopped_within(30), served.output()
        assert served.process.returncode == 1 and _port_free(served.port)
        assert "后台任务进程意外退出" in served.output()
    finally:
        if served.process.poll() is None:
            served.process.send_signal(signal.SIGTERM)
            served.stopped_within(30)
        served.kill_all()


@pytest.mark.django_db
def test_healthz_in_process(client, monkeypatch):
    """No login needed; a fresh heartbeat → 200; a stale one → 503 naming the worker; a full disk → 503 naming it."""
    beat("w-live")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz").json() == {"status": "failed", "failed": ["worker"], "checks": {
        "database": "ok", "migrations": "ok", "worker": "failed", "disk": "ok"}}
    beat("w-live")
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10 ** 12, 10 ** 12 - 10, 10))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["disk"]
    assert b"10" not in response.content.split(b'"checks"')[0].replace(b"failed", b"")  # names only, no figures


@pytest.mark.django_db
def test_a_job_of_a_dead_worker_is_interrupted_and_its_user_alone_runs_it_again(client, django_capture_on_commit_callbacks):
    User = get_user_model()
    owner = User.objects.create_user("importer", password="pw-12345678")
    from parkgov.accounts.models import Profile

    Profile.objects.create(user=owner, role="admin")
    other = User.objects.create_user("other", password="pw-12345678")
    Profile.objects.create(user=other, role="admin")
    beat("w-dead")
    WorkerHeartbeat.objects.filter(worker_id="w-dead").update(beat_at=timezone.now() - timedelta(minutes=2))
    beat("w-live")
    dead = Job.objects.create(kind="topology", title="拓扑检查", params={"zone": ""}, created_by=owner,
                              status=JobStatus.RUNNING, worker_id="w-dead", progress=40)
    live = Job.objects.create(kind="topology", title="拓扑检查", params={"zone": ""}, created_by=owner,
                              status=JobStatus.RUNNING, worker_id="w-live", progress=40)
    inline = Job.objects.create(kind="topology", title="拓扑检查", params={"zone": ""}, created_by=owner,
                                status=JobStatus.RUNNING, worker_id="", progress=40)
    assert interrupt_orphans() == 1
    dead.refresh_from_db()
    assert dead.status == JobStatus.INTERRUPTED and dead.finished and dead.finished_at is not None
    assert dead.message.startswith(INTERRUPTED_MESSAGE.split("（")[0]) and "最后心跳" in dead.message
    assert Job.objects.get(pk=live.pk).status == Job.objects.get(pk=inline.pk).status == JobStatus.RUNNING

    client.force_login(other)
    assert client.post(f"/jobs/{dead.pk}/retry/").status_code == 404  # not the user's job
    client.force_login(owner)
    page = client.get(f"/jobs/{dead.pk}/").content.decode()
    assert "中断" in page and 'id="job-retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jobs/{dead.pk}/retry/")
    again = Job.objects.exclude(pk__in=[dead.pk, live.pk, inline.pk]).get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{again.pk}/"
    assert (again.kind, again.params, again.created_by) == (dead.kind, dead.params, owner)
    assert again.status == JobStatus.DONE, again.message  # the inline backend of the tests runs it at once
    response = client.post(f"/jobs/{live.pk}/retry/", follow=True)  # a running job is not run twice
    assert "只有中断、失败、已取消的任务可以重新运行" in response.content.decode()
    assert Job.objects.count() == 4
