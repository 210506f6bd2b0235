"""Shared set-up for benchmarks: a fresh database per run, timing and peak-memory helpers."""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(kind: str) -> str:
    """A URL for an empty database: a temporary SQLite file, or a new database on PARKGOV_TEST_POSTGRES_URL."""
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='parkgov-bench-')}/bench.db"
    base = os.environ.get("PARKGOV_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("PostgreSQL 基准需要 PARKGOV_TEST_POSTGRES_URL（bash .ci/postgres.sh start 可启动临时集群）")
    import psycopg

    server, _name = base.rsplit("/", 1)
    name = f"parkgov_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def run_stage(script: Path, *args, database_url=None) -> dict:
    """Run `script --stage ...` in a fresh interpreter; it prints `key=value` lines, returned as a dict."""
    env = dict(os.environ)
    if database_url:
        env["PARKGOV_DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env,
                            cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{script.name} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    values = {}
    for line in result.stdout.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(database_url: str | None = None):
    if database_url:
        os.environ["PARKGOV_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkgov.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def time_steps(steps, clocks=None) -> dict:
    """Wrap each (label, module, attribute) function with a timer, in this process only; returns label → seconds
    spent, filled in as the wrapped functions run (a step called several times adds up). `clocks` (name → a function
    giving seconds, e.g. time.process_time) adds "label@name" → what that clock advanced during the step."""
    import importlib

    spent = {}
    clocks = {"": time.perf_counter, **(clocks or {})}

    def timed(label, function):
        def wrapper(*a, **k):
            started = {name: clock() for name, clock in clocks.items()}
            try:
                return function(*a, **k)
            finally:
                for name, clock in clocks.items():
                    key = f"{label}@{name}" if name else label
                    spent[key] = spent.get(key, 0.0) + clock() - started[name]
        return wrapper

    for label, module, name in steps:
        module = importlib.import_module(module)
        setattr(module, name, timed(label, getattr(module, name)))
    return spent


def backend_cpu_clock():
    """A clock of the CPU seconds (user + system) the PostgreSQL backend of Django's default connection has used, read
    from /proc (the server runs on this machine in the benches); None on SQLite or when the backend is not visible."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    stat, tick = Path(f"/proc/{pid}/stat"), os.sysconf("SC_CLK_TCK")
    if not stat.exists():
        return None

    def clock():
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick
    return clock
