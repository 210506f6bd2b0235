"""`parkgov serve`: static files, the background worker and gunicorn, stopped together (issue 18 §1).

SIGTERM (what systemd, Docker and supervisors send) and SIGINT (Ctrl+C) stop both gracefully: gunicorn stops
accepting and lets running requests finish (`--graceful-timeout`), the job worker finishes its current job; then
this process exits 0 with no child left. SIGHUP reloads gunicorn's workers. The children run in their own process
group (a terminal's Ctrl+C reaches only this process, which stops them in order) and are told to stop if this
process dies without cleaning up (Linux's parent-death signal), so nothing keeps the port or polls the queue.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command


def default_workers(database_url: str | None = None) -> int:
    """gunicorn processes for this machine: one per core with the embedded SQLite (the database works inside the
    worker, so a worker never waits and more processes only take turns), two per core with PostgreSQL (a
    worker waits while the database server works). Measured in bench/web_load.py on 2 cores: SQLite 77 req/s
    with 2 workers, 64 with 4; PostgreSQL 62–65 with 4, 56 with 2."""
    url = database_url if database_url is not None else os.environ.get("PARKGOV_DATABASE_URL", "")
    cores = os.cpu_count() or 1
    return cores if url.startswith("sqlite") or not url else 2 * cores


def run_server(*, host, port, workers, threads=1, demo_accounts, console):
    call_command("collectstatic", interactive=False, verbosity=0)
    if demo_accounts:
        from parkgov.accounts.services import ensure_demo_accounts

        console.print("演示账号（用户名 / 密码）：")
        for name, username, password in ensure_demo_accounts():
            console.print(f"  {name:<10} {username:<18} {password}")
        from parkgov.demo.appeals import login_lines

        for line in login_lines():  # issue 16 §5: the demo's enterprise accounts, each seeing only its firm
            console.print(line)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="parkgov.settings")
    graceful = int(os.environ.get("PARKGOV_GRACEFUL_TIMEOUT", "30"))
    worker = _child([sys.executable, "-m", "django", "jobs_worker", "--interval", "0.5", "--no-reload"], env)
    console.print(f"园区管家已启动：http://{host}:{port}/  （Ctrl+C 停止）")
    server = _child([sys.executable, "-m", "gunicorn", "parkgov.wsgi", "--bind", f"{host}:{port}",
                     "--workers", str(workers), "--threads", str(threads), "--timeout", "120",
                     "--graceful-timeout", str(graceful),
                     # its lines in our format; no access log of its own: ours has no query string (issue 18 §5)
                     "--logger-class", "parkgov.web.gunicorn_log.Logger"], env)
    stopping, failed = [], []

    def stop(signum, _frame):
        stopping.append(signum)
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    def reload(_signum, _frame):
        if server.poll() is None:
            server.send_signal(signal.SIGHUP)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    try:
        while not stopping and server.poll() is None and worker.poll() is None:
            time.sleep(0.2)
        if not stopping:  # a child ended by itself: stop the other, report failure (systemd restarts the service)
            which = "网页服务（gunicorn）" if server.poll() is not None else "后台任务进程"
            console.print(f"{which}意外退出（退出码 {(server.poll() if server.poll() is not None else worker.poll())}），正在停止")
            failed.append(which)
            stop(signal.SIGTERM, None)
    finally:
        # gunicorn waits `graceful` s for running requests; the worker finishes its job (then is killed: its job is
        # marked 中断 by the next worker's heartbeat and can be run again)
        deadline = time.monotonic() + graceful + 15
        for process in (server, worker):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if failed:
        raise SystemExit(1)


def _die_with_parent():
    """In the child, before exec: SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG; Linux only)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


def _child(command, env) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent)
