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


def test_bad_workbook_exit_code_and_error_workbook(tmp_path):
    run(tmp_path, "init")
    sheets = small_ledger_sheets()
    sheets["企业"][1][0] = "91330683MA00000010"
    write_workbook(tmp_path / "bad.xlsx", sheets)
    result = run(tmp_path, "import", "bad.xlsx", "--errors", "err.xlsx")
    assert result.returncode == 1
    assert "校验码错误" in result.stderr and "未写入任何数据" in result.stderr
    assert (tmp_path / "err.xlsx").exists()
    assert "企业 0 家" in run(tmp_path, "summary").stdout


@pytest.mark.parametrize("args, code, message", [
    (["import", "missing.xlsx"], 1, "文件不存在"),
    (["import", "notes.txt"], 1, "不支持的文件类型"),
    (["template", "x.xlsx", "--sheets", "年报"], 1, "未知的工作表"),
    (["demo", "--enterprises", "1"], 2, "enterprises"),
])
def test_usage_errors_are_explained(tmp_path, args, code, message):
    (tmp_path / "notes.txt").write_text("hello")
    run(tmp_path, "init")
    result = run(tmp_path, *args)
    assert result.returncode == code and message in result.stdout + result.stderr


def test_bad_database_url_is_a_settings_error(tmp_path):
    env = dict(os.environ, PARKGOV_DATABASE_URL="mysql://x@y/z")
    result = subprocess.run([sys.executable, "-m", "parkgov.cli", "summary"], capture_output=True, text=True,
                            env=env, cwd=tmp_path)
    assert result.returncode == 2 and "只支持 sqlite 与 postgres" in result.stderr
    assert "Traceback" not in result.stderr
