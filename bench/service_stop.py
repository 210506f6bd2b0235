"""Benchmark (issue 18, the figures its note asks for): how long `parkgov serve` takes to stop on SIGTERM while
clients keep it busy, whether requests already being served still get their answer; and how long it takes until
the job of a worker killed outright (kill -9) is shown as 中断.

Stop under load: the demo zone (`--enterprises`, default 300) in a fresh database, `parkgov serve` with its default
workers, `--clients` threads (default 20) requesting `/api/enterprises?limit=100` and `/api/parcels?limit=100` with an
API token back to back; after `--load-seconds` (default 8) SIGTERM. Reported: the time from the signal until serve
has exited with no child left, requests that were in flight at the signal and were answered 200 / failed, requests
sent after it (refused: the port is closed, which is what a proxy or the next instance needs). The baseline is the
same stop without load.
Dead worker: a job worker runs an import of `--firms` firms; once it writes, kill -9; a second worker is started at
once; reported: the time from the kill until the job shows 中断, beside the limits in thresholds.csv
(worker_silent_seconds, worker_heartbeat_seconds) that bound it.
Usage: python bench/service_stop.py [--databases sqlite,postgres] [--enterprises 300] [--clients 20]
                                    [--load-seconds 8] [--firms 30000]
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, fresh_database  # noqa: E402


def _env(url, folder):
    return dict(os.environ, PARKGOV_DATABASE_URL=url, PARKGOV_MEDIA_ROOT=str(folder / "media"),
                PARKGOV_STATIC_ROOT=str(folder / "static"), DJANGO_SETTINGS_MODULE="parkgov.settings",
                PARKGOV_TASK_BACKEND="django_tasks_db.DatabaseBackend", PARKGOV_DEBUG="0")


def _python(env, code) -> str:
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + textwrap.dedent(code)],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return result.stdout.strip()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid) -> set:
    try:
        children = {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()
    return children | {d for c in children for d in _descendants(c)}


def _alive(pid) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _serve(env, port):
    process = subprocess.Popen([sys.executable, "-m", "parkgov", "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process, _descendants(process.pid)
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("serve did not become healthy")


def _stop_time(process, children) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(120)
    while any(_alive(c) for c in children):
        time.sleep(0.01)
    return time.monotonic() - started


def stop_under_load(kind, args):
    folder = Path(tempfile.mkdtemp(prefix="parkgov-bench-stop-"))
    url = fresh_database(kind)
    env = _env(url, folder)
    subprocess.run([sys.executable, "-m", "parkgov", "init"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "parkgov", "demo", "--enterprises", str(args.enterprises)], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    token = _python(env, """
        from parkgov.accounts.services import ensure_demo_accounts, issue_api_token
        from django.contrib.auth import get_user_model
        ensure_demo_accounts()
        print(issue_api_token(user=get_user_model().objects.get(username="committee")))
    """)
    port = _free_port()
    process, children = _serve(env, port)
    baseline = _stop_time(process, children)

    port = _free_port()
    process, children = _serve(env, port)
    signalled = threading.Event()
    counts = {"before": 0, "in_flight_ok": 0, "in_flight_failed": 0, "after_refused": 0, "after_ok": 0}
    lock = threading.Lock()

    def client(n):
        """Requests back to back; the one running when the signal comes is "in flight", the next is "after"."""
        paths = ["/api/enterprises?limit=100", "/api/parcels?limit=100"]
        i = n
        while True:
            sent_after = signalled.is_set()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", paths[i % 2], headers={"Authorization": f"Bearer {token}"})
                ok = conn.getresponse().status == 200
                if sent_after:
                    key = "after_ok" if ok else "after_refused"
                elif signalled.is_set():
                    key = "in_flight_ok" if ok else "in_flight_failed"
                else:
                    key = "before"
            except OSError:
                key = "after_refused" if sent_after else "in_flight_failed"
            with lock:
                counts[key] += 1
            if sent_after:
                return
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    time.sleep(args.load_seconds)
    signalled.set()
    loaded = _stop_time(process, children)
    for t in threads:
        t.join(120)
    print(f"[{kind}] stop on SIGTERM: idle {baseline:.2f} s, under load of {args.clients} clients {loaded:.2f} s "
          f"({loaded / baseline:.2f}× idle); requests answered before the signal {counts['before']}, in flight at the "
          f"signal answered 200 {counts['in_flight_ok']}, failed {counts['in_flight_failed']}; sent after the signal: "
          f"refused {counts['after_refused']}, answered {counts['after_ok']}")
    return url


def dead_worker(kind, args):
    sys.path.insert(0, str(ROOT))
    from parkgov.testing import YEARLY_HEADER, small_ledger_sheets, uscc, write_workbook

    folder = Path(tempfile.mkdtemp(prefix="parkgov-bench-worker-"))
    url = fresh_database(kind)
    env = _env(url, folder)
    subprocess.run([sys.executable, "-m", "parkgov", "init"], env=env, cwd=ROOT, check=True, capture_output=True)
    sheets = small_ledger_sheets()
    sheets["企业"] += [[uscc(100 + n), f"测试企业{n}", "3854", "规下", "SZ", "存续", None] for n in range(args.firms)]
    sheets["年度数据"] = [list(YEARLY_HEADER)] + [
        [uscc(100 + n), 2025, 10.0, 500.0, None, None, None, None, None, None, None, 12, None] for n in range(args.firms)]
    workbook = write_workbook(folder / "企业.xlsx", sheets)
    job_id = _python(env, f"""
        from django.db import transaction
        from parkgov.audit.context import system_user
        from parkgov.jobs.services import start_job
        with transaction.atomic():
            print(start_job(kind="import", title="导入", user=system_user("bench"),
                            params={{"path": {str(workbook)!r}, "name": "企业.xlsx", "department": "economy"}}).pk)
    """)
    limits = json.loads(_python(env, """
        import json
        from parkgov.codes.thresholds import threshold
        print(json.dumps([threshold("worker_silent_seconds"), threshold("worker_heartbeat_seconds")]))
    """))
    command = [sys.executable, "-m", "django", "jobs_worker", "--interval", "0.5", "--no-reload"]
    first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    status = _status_reader(kind, url)
    while status(job_id) != "running":
        time.sleep(0.05)
    time.sleep(1.0)
    first.kill()
    killed = time.monotonic()
    first.wait()
    second = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while status(job_id) != "interrupted":
        time.sleep(0.1)
    detected = time.monotonic() - killed
    second.send_signal(signal.SIGTERM)
    second.wait(60)
    print(f"[{kind}] job of a worker killed with kill -9 shown as 中断 after {detected:.1f} s "
          f"(limits: silent {limits[0]:.0f} s + a beat every {limits[1]:.0f} s of the live worker)")
    return url


def _status_reader(kind, url):
    if kind == "sqlite":
        import sqlite3

        path = url.removeprefix("sqlite:///")
        return lambda job_id: sqlite3.connect(path, timeout=30).execute(
            "SELECT status FROM jobs_job WHERE id = ?", [job_id.replace("-", "")]).fetchone()[0]
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    return lambda job_id: conn.execute("SELECT status FROM jobs_job WHERE id = %s", [job_id]).fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=8)
    parser.add_argument("--firms", type=int, default=30000)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        stop_under_load(kind, args)
        dead_worker(kind, args)


if __name__ == "__main__":
    main()
