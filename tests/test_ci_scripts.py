"""The CI scripts clean up after themselves (issue 13 §3: `.ci/run` left its PostgreSQL folder behind).

These run `.ci/postgres.sh` with a private folder and a fake PostgreSQL whose initdb fails, so no cluster is
ever started or stopped here."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script(tmp_path, *args):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "initdb").write_text("#!/bin/sh\necho 'initdb: cannot start' >&2\nexit 1\n")
    (fake / "initdb").chmod(0o755)
    env = dict(os.environ, PARKGOV_PG_DIR=str(tmp_path / "pg"), PARKGOV_PG_BIN=str(fake))
    return subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_a_start_that_fails_midway_removes_the_cluster_folder(tmp_path):
    """Issue 13 §3: initdb fails → non-zero exit, no URL printed, the folder is gone."""
    result = _script(tmp_path, "start")
    assert result.returncode != 0
    assert "PARKGOV_TEST_POSTGRES_URL" not in result.stdout
    assert not (tmp_path / "pg").exists()


def test_stop_removes_the_cluster_folder(tmp_path):
    """Issue 13 §3: `stop` leaves no data directory behind."""
    (tmp_path / "pg" / "data").mkdir(parents=True)
    (tmp_path / "pg" / "server.log").write_text("log")
    assert _script(tmp_path, "stop").returncode == 0
    assert not (tmp_path / "pg").exists()


def test_ci_run_sets_its_clean_up_before_starting_postgres():
    """Issue 13 §3: the EXIT trap is in place before the cluster starts (a failed start is cleaned up too), INT
    and TERM end the script through it, and a failed start stops the script (`eval "$(…)"` hid the failure)."""
    source = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    start = source.index("postgres.sh start")
    exit_trap = re.search(r"^trap '[^']*postgres\.sh stop[^']*rm -rf[^']*' EXIT$", source, re.M)
    assert exit_trap and exit_trap.start() < start
    assert re.search(r"^trap '[^']*' INT", source, re.M) and re.search(r"^trap '[^']*' TERM", source, re.M)
    assert 'eval "$(bash .ci/postgres.sh start)"' not in source
