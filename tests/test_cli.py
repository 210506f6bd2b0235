"""The `parkgov` command end to end, as a user runs it: exit codes, Chinese messages, no tracebacks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from parkgov.testing import small_ledger_sheets, write_workbook

pytestmark = pytest.mark.django_db(transaction=True)


def _db_url(tmp_path):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{tmp_path / 'cli.db'}"
    return os.environ["PARKGOV_DATABASE_URL"]  # the test database is dropped afterwards by pytest-django


def initialised(tmp_path):
    """What `run(tmp_path, "init")` leaves, without migrating again: a copy of the session's migrated database
    (SQLite); on PostgreSQL the CLI works in the test database, which pytest-django migrated."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        from tests.processes import migrated_database

        migrated_database(tmp_path, "cli")


def run(tmp_path, *args):
    env = dict(os.environ, PARKGOV_DATABASE_URL=_db_url(tmp_path), COLUMNS="200")
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        db = settings.DATABASES["default"]
        env["PARKGOV_DATABASE_URL"] = (f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    result = subprocess.run([sys.executable, "-m", "parkgov.cli", *args], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=300)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_init_template_import_export_cycle(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    result = run(tmp_path, "template", "t.xlsx", "--sheets", "企业", "--sheets", "年度数据")
    assert result.returncode == 0 and (tmp_path / "t.xlsx").exists()
    write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    result = run(tmp_path, "import", "ledger.xlsx", "--dry-run")
    assert result.returncode == 0 and "试运行" in result.stdout
    result = run(tmp_path, "import", "ledger.xlsx", "--department", "经信")
    assert result.returncode == 0 and "已写入" in result.stdout
    result = run(tmp_path, "export", "ledger", "out.xlsx")
    assert result.returncode == 0 and "企业 3 行" in result.stdout
    summary = run(tmp_path, "summary")
    assert "企业 3 家" in summary.stdout and "地块 3 宗" in summary.stdout
    warmed = run(tmp_path, "warm")  # no users yet: nothing to warm, said plainly
    assert warmed.returncode == 0 and "已为 0 种数据范围计算园区大脑，切好 0 个瓦片" in warmed.stdout


def test_bad_workbook_exit_code_and_error_workbook(tmp_path):
    initialised(tmp_path)
    sheets = small_ledger_sheets()
    sheets["企业"][1][0] = "91330683MA00000010"
    write_workbook(tmp_path / "bad.xlsx", sheets)
    result = run(tmp_path, "import", "bad.xlsx", "--errors", "err.xlsx")
    assert result.returncode == 1
    assert "校验码错误" in result.stderr and "未写入任何数据" in result.stderr
    assert (tmp_path / "err.xlsx").exists()
    assert "企业 0 家" in run(tmp_path, "summary").stdout


def test_headers_only_workbook_exits_non_zero(tmp_path):
    """Issue 13: a workbook with headers and no rows exited 0 saying nothing; now 没有数据行 and exit 1."""
    initialised(tmp_path)
    write_workbook(tmp_path / "empty.xlsx", {"企业": small_ledger_sheets()["企业"][:1]})
    result = run(tmp_path, "import", "empty.xlsx")
    assert result.returncode == 1
    assert "没有数据行" in result.stderr and "empty.xlsx" in result.stderr and "企业" in result.stderr


@pytest.mark.parametrize("args, code, message", [
    (["import", "missing.xlsx"], 1, "文件不存在"),
    (["import", "notes.txt"], 1, "不支持的文件类型"),
    (["template", "x.xlsx", "--sheets", "年报"], 1, "未知的工作表"),
    (["demo", "--enterprises", "1"], 2, "enterprises"),
])
def test_usage_errors_are_explained(tmp_path, args, code, message):
    (tmp_path / "notes.txt").write_text("hello")
    initialised(tmp_path)
    result = run(tmp_path, *args)
    assert result.returncode == code and message in result.stdout + result.stderr


def test_bad_database_url_is_a_settings_error(tmp_path):
    env = dict(os.environ, PARKGOV_DATABASE_URL="mysql://x@y/z")
    result = subprocess.run([sys.executable, "-m", "parkgov.cli", "summary"], capture_output=True, text=True,
                            env=env, cwd=tmp_path)
    assert result.returncode == 2 and "只支持 sqlite 与 postgres" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_starts_sync_workers_as_many_as_the_database_wants(tmp_path):
    """`parkgov serve` answers pages and starts gunicorn sync workers: one per core on SQLite, two per core on
    PostgreSQL (bench/web_load.py measured both), unless --workers/--threads say otherwise."""
    import signal
    import socket
    import time
    import urllib.request

    from parkgov.web.serve import default_workers

    assert default_workers("sqlite:///x.db") == os.cpu_count()
    assert default_workers("postgres://u@h/db") == 2 * os.cpu_count()
    initialised(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PARKGOV_DATABASE_URL=_db_url(tmp_path), PARKGOV_STATIC_ROOT=str(tmp_path / "static"),
               PARKGOV_TASK_BACKEND="django_tasks_db.DatabaseBackend")  # the job worker needs the database backend
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        db = settings.DATABASES["default"]
        env["PARKGOV_DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    server = subprocess.Popen([sys.executable, "-m", "parkgov.cli", "serve", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status != 200:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        commands = _commands_under(server.pid)  # issue 18: the children run in a process group of their own
        master = next(c for c in commands if "gunicorn" in c and "--bind" in c)
        expected = default_workers(env["PARKGOV_DATABASE_URL"])
        assert f"--workers {expected}" in master and "--threads 1" in master, master
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


def _commands_under(pid) -> list:
    """Command lines of a process's descendants (from /proc)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = [int(c) for c in open(f"/proc/{parent}/task/{parent}/children").read().split()]
        except OSError:
            continue
        for child in children:
            try:
                found.append(open(f"/proc/{child}/cmdline").read().replace("\0", " "))
            except OSError:
                continue
            todo.append(child)
    return found


def test_import_rejects_a_department_not_in_the_department_table(tmp_path):
    """issue 13: `--department` accepted any value; now a usage error (exit 2) naming it and the allowed ones."""
    initialised(tmp_path)
    write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    result = run(tmp_path, "import", "ledger.xlsx", "--department", "财政局")
    assert result.returncode == 2
    assert "财政局" in result.stdout + result.stderr and "税务（tax）" in result.stdout + result.stderr
    assert "企业 0 家" in run(tmp_path, "summary").stdout


def test_unclosed_ring_geojson_exits_1_with_the_message(tmp_path):
    """issue 13: a GeoJSON with an unclosed ring ended in a GEOSException (exit 3); now exit 1 and a Chinese line."""
    import json

    initialised(tmp_path)
    write_workbook(tmp_path / "ledger.xlsx", small_ledger_sheets())
    assert run(tmp_path, "import", "ledger.xlsx").returncode == 0
    ring = [[120.8, 29.6], [120.81, 29.6], [120.81, 29.61], [120.8, 29.61]]
    (tmp_path / "open.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": [{"type": "Feature", "properties": {"地块编码": "SZ-0001"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), encoding="utf-8")
    result = run(tmp_path, "import", "open.geojson")
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "open.geojson" in output and "SZ-0001" in output and "首尾不闭合" in output
