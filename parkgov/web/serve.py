"""`parkgov serve`: static files, the background worker and gunicorn, stopped together."""

import os
import signal
import subprocess
import sys

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
    worker = subprocess.Popen([sys.executable, "-m", "django", "db_worker", "--interval", "0.5", "--no-reload"], env=env)
    console.print(f"园区管家已启动：http://{host}:{port}/  （Ctrl+C 停止）")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "parkgov.wsgi", "--bind", f"{host}:{port}",
                               "--workers", str(workers), "--threads", str(threads), "--timeout", "120"], env=env)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
