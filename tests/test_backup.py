"""`parkgov backup` / `parkgov restore` (issue 13 §3) end to end on the database of the pass: demo → backup →
restore into a fresh database → every table identical; damaged, foreign or newer backups and non-empty targets
are refused with a Chinese message and nothing written."""

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db(transaction=True)
ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def _postgres_url(name):
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


@pytest.fixture(scope="module")
def source_database(tmp_path_factory):
    """The source database's URL for the backend of this pass (on PostgreSQL the test database itself)."""
    if ON_SQLITE:
        return f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}"
    return _postgres_url(settings.DATABASES["default"]["NAME"])


@pytest.fixture
def databases(tmp_path, source_database):
    """(source URL, fresh empty target URL) for the backend of this pass."""
    if ON_SQLITE:
        yield source_database, f"sqlite:///{tmp_path / 'restored.db'}"
        return
    import psycopg

    # our own prefix on the shared cluster: the configured name (parkgov_ops) + _restore, dropped afterwards
    restore = os.environ["PARKGOV_DATABASE_URL"].rsplit("/", 1)[1] + "_restore"
    admin = settings.DATABASES["default"]
    with psycopg.connect(host=admin["HOST"], port=admin["PORT"], user=admin["USER"], dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restore}"')
        conn.execute(f'CREATE DATABASE "{restore}" TEMPLATE template0')
    try:
        yield source_database, _postgres_url(restore)
    finally:
        with psycopg.connect(host=admin["HOST"], port=admin["PORT"], user=admin["USER"], dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restore}" WITH (FORCE)')


def cli(tmp_path, url, *args, media="media"):
    env = dict(os.environ, PARKGOV_DATABASE_URL=url, PARKGOV_MEDIA_ROOT=str(tmp_path / media), COLUMNS="300")
    result = subprocess.run([sys.executable, "-m", "parkgov.cli", *args], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=300)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def all_rows(url) -> dict:
    """Every table's rows (all columns), sorted, by table name."""
    if url.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                "AND name NOT LIKE 'sqlite_%'")]
            return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}
    import psycopg

    from parkgov.operations.databases import POSTGRES_TABLES

    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute(POSTGRES_TABLES)]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}


@pytest.fixture(scope="module")
def made_backup(tmp_path_factory, source_database):
    """A demo zone (evaluated) with an uploaded file and a job output, backed up ONCE for the module (the tests
    only read the source and the file); returns the file."""
    folder = tmp_path_factory.mktemp("backup")
    source = source_database
    assert cli(folder, source, "init").returncode == 0
    assert cli(folder, source, "demo", "--enterprises", "120").returncode == 0
    assert cli(folder, source, "evaluate", "--year", "2025", "--ruleset", "zj-huangyan-2022").returncode == 0
    (folder / "media" / "uploads").mkdir(parents=True)
    (folder / "media" / "uploads" / "税务.xlsx").write_bytes(b"PK\x03\x04 workbook")
    (folder / "media" / "jobs" / "7").mkdir(parents=True)
    (folder / "media" / "jobs" / "7" / "公示名单.xlsx").write_bytes(os.urandom(5000))
    result = cli(folder, source, "backup", "backup.tar.gz")
    assert result.returncode == 0 and "备份已写入" in result.stdout, result.stderr
    return folder / "backup.tar.gz"


@pytest.fixture
def backup(made_backup, databases):
    """(the backup file, source URL, a fresh empty target URL); the source's media lie beside the file."""
    source, target = databases
    return made_backup, source, target


def test_restore_into_a_fresh_database_gives_every_table_identical(tmp_path, backup):
    """Issue 13 §3: demo → backup → restore into a fresh database → every table's rows equal, media files equal,
    `parkgov summary` reads the same."""
    path, source, target = backup
    result = cli(tmp_path, target, "restore", str(path), media="restored-media")
    assert result.returncode == 0 and "与清单一致" in result.stdout, result.stderr
    before, after = all_rows(source), all_rows(target)
    assert before.keys() == after.keys() and len(before) > 30
    # issue 18: the record that the backup was written is made after it, so it is in the source only
    assert len(before.pop("jobs_serviceevent")) == 1 and after.pop("jobs_serviceevent") == []
    for table in before:
        assert before[table] == after[table], table
    assert sum(map(len, before.values())) > 1000
    for name in ("uploads/税务.xlsx", "jobs/7/公示名单.xlsx"):
        assert (tmp_path / "restored-media" / name).read_bytes() == (path.parent / "media" / name).read_bytes()
    assert cli(tmp_path, source, "summary").stdout == cli(tmp_path, target, "summary").stdout
    manifest = json.loads(tarfile.open(path).extractfile("manifest.json").read())
    assert manifest["parkgov_version"] and manifest["migrations"]["ledger"]
    # the demo's 120 firms and the investor registered when its 准入 application was contracted (issue 15)
    assert manifest["tables"]["ledger_enterprise"] == len(before["ledger_enterprise"]) == 121
    assert set(manifest["members"]) >= {"media/uploads/税务.xlsx", "media/jobs/7/公示名单.xlsx"}


def _rewrite(path: Path, out: Path, change) -> None:
    """Copy the backup member by member, letting `change(name, data)` return new bytes (or None to drop it)."""
    with tarfile.open(path) as old, tarfile.open(out, "w:gz") as new:
        for info in old:
            data = change(info.name, old.extractfile(info).read())
            if data is not None:
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))


def _newer_manifest(name, data):
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["migrations"]["ledger"] = "9999_from_the_future"
    return json.dumps(manifest).encode()


def _other_vendor(name, data):
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["database"]["vendor"] = "postgresql" if manifest["database"]["vendor"] == "sqlite" else "sqlite"
    return json.dumps(manifest).encode()


def _altered_media(name, data):
    return data[:-1] + bytes([data[-1] ^ 1]) if name == "media/jobs/7/公示名单.xlsx" else data


def _without_manifest(name, data):
    return None if name == "manifest.json" else data


@pytest.mark.parametrize("damage, message", [
    ("truncated", "不完整或已损坏"),
    ("altered", "校验和不符"),
    ("no_manifest", "缺少清单"),
    ("newer", "数据库结构比本程序新"),
    ("not_a_backup", "不完整或已损坏"),
    ("other_vendor", "不支持跨数据库类型恢复"),
])
def test_a_damaged_or_newer_backup_is_refused_and_nothing_is_written(tmp_path, backup, damage, message):
    """Issue 13 §3: a truncated file, a member altered after the fact, a missing manifest, a manifest naming a
    migration this code does not know, a backup of the other database type, or some other file: exit 1, a Chinese reason, no table and no media file."""
    path, _, target = backup
    bad = tmp_path / "bad.tar.gz"
    if damage == "truncated":
        bad.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    elif damage == "not_a_backup":
        bad.write_text("这不是备份")
    else:
        _rewrite(path, bad, {"altered": _altered_media, "no_manifest": _without_manifest,
                             "newer": _newer_manifest, "other_vendor": _other_vendor}[damage])
    result = cli(tmp_path, target, "restore", str(bad), media="restored-media")
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert not Path(target.removeprefix("sqlite:///")).exists() if ON_SQLITE else all_rows(target) == {}
    assert not (tmp_path / "restored-media").exists()
    assert not list(tmp_path.glob(".parkgov-restore-*"))


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, backup):
    """Issue 13 §3: restore writes only into an empty database; an initialised one is left as it was."""
    path, source, target = backup
    assert cli(tmp_path, target, "init").returncode == 0
    before = all_rows(target)
    result = cli(tmp_path, target, "restore", str(path), media="restored-media")
    assert result.returncode == 1 and "不是空的" in result.stderr
    assert all_rows(target) == before
    result = cli(tmp_path, source, "restore", str(path))
    assert result.returncode == 1 and "不是空的" in result.stderr


def test_backup_never_overwrites_and_leaves_nothing_on_failure(tmp_path, backup):
    """Issue 13 §3: an existing file is not overwritten; a folder that does not exist is named."""
    path, source, _ = backup
    size = path.stat().st_size
    result = cli(tmp_path, source, "backup", str(path))
    assert result.returncode == 1 and "已存在" in result.stderr and path.stat().st_size == size
    result = cli(tmp_path, source, "backup", str(tmp_path / "missing" / "b.tar.gz"))
    assert result.returncode == 1 and "不存在" in result.stderr
    assert not list(tmp_path.glob(".parkgov-backup-*")) and not list(path.parent.glob(".parkgov-backup-*"))


@pytest.mark.skipif(not ON_SQLITE, reason="the SQLite online backup API (PostgreSQL: pg_dump's snapshot)")
def test_sqlite_backup_while_a_writer_runs_is_a_consistent_snapshot(tmp_path):
    """Issue 13 §3: backing up while another connection keeps inserting gives a snapshot whose row counts match
    its manifest (the restore checks them) and that holds whole transactions only."""
    from parkgov.operations.databases import snapshot_sqlite

    live = tmp_path / "live.db"
    with contextlib.closing(sqlite3.connect(live)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE a (n INTEGER)")
        conn.execute("CREATE TABLE b (n INTEGER)")
        conn.executemany("INSERT INTO a VALUES (?)", [(i,) for i in range(200_000)])
        conn.commit()
    stop = threading.Event()

    def write():  # each transaction adds one row to a and one to b
        with contextlib.closing(sqlite3.connect(live, timeout=30)) as conn:
            while not stop.is_set():
                with conn:
                    conn.execute("INSERT INTO a VALUES (-1)")
                    conn.execute("INSERT INTO b VALUES (-1)")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        counts = [snapshot_sqlite(source=live, target=tmp_path / f"copy{i}.db")[0] for i in range(3)]
    finally:
        stop.set()
        writer.join()
    for i, count in enumerate(counts):
        assert count["a"] - 200_000 == count["b"]
        with contextlib.closing(sqlite3.connect(tmp_path / f"copy{i}.db")) as copy:
            assert copy.execute("SELECT count(*) FROM b").fetchone()[0] == count["b"]
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert counts[-1]["b"] > 0


def _rows(url, table):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.skipif(ON_SQLITE, reason="pg_dump of an exported snapshot (SQLite: the test above)")
def test_postgres_backup_while_a_writer_runs_is_a_consistent_snapshot(tmp_path):
    """Issue 13 §3: on PostgreSQL the manifest's counts and pg_dump read one exported snapshot while another
    connection keeps inserting: whole transactions only, and the dump holds exactly the rows counted."""
    import psycopg

    from parkgov.operations.databases import postgres_tool, snapshot_postgres

    db = settings.DATABASES["default"]
    url = _postgres_url(db["NAME"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE ops_snapshot_a (n integer)")
        conn.execute("CREATE TABLE ops_snapshot_b (n integer)")
        conn.execute("INSERT INTO ops_snapshot_a SELECT generate_series(1, 200000)")
    stop = threading.Event()

    def write():  # each transaction adds one row to a and one to b
        with psycopg.connect(url) as conn:
            while not stop.is_set():
                with conn.transaction():
                    conn.execute("INSERT INTO ops_snapshot_a VALUES (-1)")
                    conn.execute("INSERT INTO ops_snapshot_b VALUES (-1)")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while not _rows(url, "ops_snapshot_b"):  # the writer is under way
            pass
        counts = [snapshot_postgres(target=tmp_path / f"copy{i}.pgdump")[0] for i in range(2)]
    finally:
        stop.set()
        writer.join()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE ops_snapshot_a, ops_snapshot_b")
    for i, count in enumerate(counts):
        assert count["ops_snapshot_a"] - 200_000 == count["ops_snapshot_b"]
        script = subprocess.run([postgres_tool("pg_restore"), "--data-only", "--table=ops_snapshot_b", "--file=-",
                                 str(tmp_path / f"copy{i}.pgdump")], capture_output=True, text=True, check=True).stdout
        lines = script.splitlines()
        start = next(n for n, line in enumerate(lines) if line.endswith("FROM stdin;")) + 1
        assert lines.index("\\.", start) - start == count["ops_snapshot_b"]
    assert 0 < counts[0]["ops_snapshot_b"] < counts[1]["ops_snapshot_b"]
