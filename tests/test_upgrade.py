"""Issue 18 §6: `parkgov upgrade` from the previous release named in CHANGELOG.md, on the database of this pass.

The release's code is taken out of git (`git archive` of the commit the newest release heading names) and builds
a database as that release would (`init`, a small demo), run from its own folder so that its package is the one
imported. The current code's `parkgov upgrade` then backs up, migrates and rebuilds the caches; every table of
the old database is compared row by row and column by column with what is left afterwards. A missing git or a
commit that is not in the repository fails the test: it must not be skipped.
"""

import contextlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
RELEASE = re.compile(r"^## (?P<version>\d+\.\d+\.\d+) — (?P<date>\d{4}-\d{2}-\d{2}) \(commit (?P<commit>[0-9a-f]{40})\)$",
                     re.M)
# What the upgrade is documented to change (docs/operations/upgrade.md); every other table keeps every row as it was.
REBUILT = {"parkgov_cache"}  # emptied and warmed again by the new code
GAIN_ROWS = {"django_migrations",  # the migrations applied
             "jobs_serviceevent",  # the backup and the upgrade recorded
             "django_content_type", "auth_permission"}  # `migrate` registers the types and permissions of new models


def previous_release() -> dict:
    """The newest release heading of CHANGELOG.md: version, date and the commit it was made from."""
    match = RELEASE.search((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert match, "CHANGELOG.md names no release (## X.Y.Z — YYYY-MM-DD (commit <40 hex digits>))"
    return match.groupdict()


def check_out(commit: str, folder: Path) -> Path:
    """The `parkgov` package of `commit` (from git, which must be there) in `folder`."""
    result = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "parkgov"],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, f"git archive {commit}: {result.stderr.decode(errors='replace')}"
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


class Database:
    """A database of this pass's kind for one test: a fresh SQLite file, or a fresh PostgreSQL database."""

    def __init__(self, folder: Path, name: str, *, template: "Database | None" = None):
        self.folder, self.name = folder, name
        if ON_SQLITE:
            self.path = folder / f"{name}.db"
            self.url = f"sqlite:///{self.path}"
            if template:
                shutil.copyfile(template.path, self.path)
            return
        db = settings.DATABASES["default"]
        self.pg_name = f"{os.environ['PARKGOV_DATABASE_URL'].rsplit('/', 1)[1]}_upgrade_{name}"
        self.url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{self.pg_name}"
        copy = f'TEMPLATE "{template.pg_name}"' if template else "TEMPLATE template0"
        self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)', f'CREATE DATABASE "{self.pg_name}" {copy}')

    def _admin(self, *statements):
        import psycopg

        db = settings.DATABASES["default"]
        with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres",
                             autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def drop(self):
        if not ON_SQLITE:
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def run(self, *args, cwd=ROOT, media="media", check=True, module="parkgov"):
        """`python -m parkgov ARGS` (the package of `cwd`) on this database, with the current venv's Python."""
        env = dict(os.environ, PARKGOV_DATABASE_URL=self.url, PARKGOV_MEDIA_ROOT=str(self.folder / media),
                   PARKGOV_CACHE_DIR=str(self.folder / "cache"), DJANGO_SETTINGS_MODULE="parkgov.settings",
                   COLUMNS="300")
        result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env,
                                cwd=cwd, timeout=600)
        assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def dump(self) -> dict:
        """Every table: its columns and its rows (all columns) by primary key (the whole row where it has none)."""
        if ON_SQLITE:
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                    "AND name NOT LIKE 'sqlite_%'")]
                tables = {}
                for name in names:
                    info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
                    columns = [row[1] for row in info]
                    key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
                    tables[name] = _table(columns, key, conn.execute(f'SELECT * FROM "{name}"').fetchall())
                return tables
        import psycopg

        from parkgov.operations.databases import POSTGRES_TABLES

        with psycopg.connect(self.url) as conn:
            tables = {}
            for (name,) in conn.execute(POSTGRES_TABLES).fetchall():
                columns = [r[0] for r in conn.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                    "AND NOT attisdropped ORDER BY attnum", [f'"{name}"'])]
                key = [r[0] for r in conn.execute(
                    "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                    "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
                    "ORDER BY array_position(i.indkey::int2[], a.attnum)", [f'"{name}"'])]
                tables[name] = _table(columns, key, conn.execute(f'SELECT * FROM "{name}"').fetchall())
            return tables


def _table(columns, key, rows) -> dict:
    """{"columns": [...], "rows": {key: {column: value}}}; without a primary key the row itself (and its number
    among equal rows) is the key."""
    by_key, seen = {}, {}
    for row in rows:
        values = dict(zip(columns, row))
        if key:
            identity = tuple(values[c] for c in key)
        else:
            identity = (repr(row), seen.setdefault(repr(row), 0))
            seen[repr(row)] += 1
        by_key[identity] = values
    return {"columns": columns, "rows": dict(sorted(by_key.items(), key=lambda item: repr(item[0])))}


def compare(before: dict, after: dict) -> dict:
    """Assert that every table and row of `before` is in `after` with every old column's value, except as the
    upgrade is documented to change them (REBUILT, GAIN_ROWS); return what is new."""
    new = {"tables": sorted(set(after) - set(before)), "columns": {}, "rows": {}}
    for table, old in before.items():
        assert table in after, f"table {table} is gone"
        if table in REBUILT:
            continue
        now = after[table]
        assert set(old["columns"]) <= set(now["columns"]), (table, set(old["columns"]) - set(now["columns"]))
        if set(now["columns"]) - set(old["columns"]):
            new["columns"][table] = sorted(set(now["columns"]) - set(old["columns"]))
        missing = set(old["rows"]) - set(now["rows"])
        assert not missing, f"{table}: {len(missing)} rows gone, e.g. {sorted(missing, key=repr)[:3]}"
        added = set(now["rows"]) - set(old["rows"])
        assert table in GAIN_ROWS or not added, f"{table}: {len(added)} rows added, e.g. {sorted(added, key=repr)[:3]}"
        if added:
            new["rows"][table] = len(added)
        for identity, row in old["rows"].items():
            changed = {c: (v, now["rows"][identity][c]) for c, v in row.items() if now["rows"][identity][c] != v}
            assert not changed, f"{table} row {identity}: {changed}"
    return new


@pytest.fixture(scope="module")
def release_databases(tmp_path_factory):
    """(folder, database built by the previous release's code, a copy of it, the release) — built once."""
    release = previous_release()
    folder = tmp_path_factory.mktemp("upgrade")
    old_code = check_out(release["commit"], folder / "release")
    where = subprocess.run([sys.executable, "-c", "import parkgov; print(parkgov.__file__)"], cwd=old_code,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(old_code), where  # the release's package, not the current one
    started = time.monotonic()
    database = Database(folder, "release")
    database.run("init", cwd=old_code)
    database.run("demo", "--enterprises", "30", cwd=old_code)
    copy = Database(folder, "copy", template=database)
    print(f"release {release['version']} ({release['commit'][:12]}): database built in "
          f"{time.monotonic() - started:.1f} s")
    yield folder, database, copy, release
    database.drop()
    copy.drop()


def test_upgrade_from_the_previous_release_keeps_every_row(release_databases):
    """Issue 18 §6: a database of the previous release → `parkgov upgrade` (backup into the default folder,
    migrate, caches rebuilt) → every table, row and old column as before, except the documented changes; the
    backup restores into a fresh database with every row of the old one; `parkgov status` shows the upgrade."""
    folder, old, _copy, release = release_databases
    before = old.dump()
    assert len(before) > 50 and sum(len(t["rows"]) for t in before.values()) > 2000
    started = time.monotonic()
    result = old.run("upgrade", "--yes")
    print(f"upgrade: {time.monotonic() - started:.1f} s")
    after = old.dump()
    new = compare(before, after)
    print(f"new since {release['version']}: {new}")
    migrated = new["rows"].get("django_migrations", 0)  # none while main's HEAD is the release
    for step in ("第 1 步", "第 2 步", f"待执行的迁移 {migrated} 个" if migrated else "没有待执行的迁移",
                 "第 3 步", "已清空缓存表 parkgov_cache", "本数据库的地图数组", "第 4 步", "升级完成"):
        assert step in result.stdout, (step, result.stdout)
    assert new["rows"]["jobs_serviceevent"] == 2  # the backup and the upgrade
    assert after["parkgov_cache"]["rows"], "the caches were warmed again"

    backups = list((folder / "backups").glob("parkgov-before-upgrade-*.tar.gz"))  # the default folder
    assert len(backups) == 1 and str(backups[0]) in result.stdout
    restored = Database(folder, "restored")
    try:
        result = restored.run("restore", str(backups[0]), media="restored-media")
        assert "与清单一致" in result.stdout
        dumped = restored.dump()
        compare(before, dumped)
        assert len(dumped["jobs_serviceevent"]["rows"]) == len(before["jobs_serviceevent"]["rows"])
    finally:
        restored.drop()

    status = old.run("status", check=False).stdout
    assert f"→ {backups[0]}" in status and "最近升级：" in status and "执行迁移" in status, status


def test_an_upgrade_whose_backup_fails_changes_nothing(release_databases, tmp_path):
    """Issue 18 §6: with one migration not applied, a backup folder that cannot be made (its parent is a regular
    file: root ignores permissions) → exit 1, a Chinese message with the cause and the path, no migration run and
    no table changed; with a usable folder the same upgrade applies that migration."""
    database = release_databases[2]
    applied = sorted(row["name"] for row in database.dump()["django_migrations"]["rows"].values()
                     if row["app"] == "zones")
    latest, previous = applied[-1], applied[-2]
    database.run("migrate", "zones", previous, "--verbosity", "0", module="django")  # with the current code
    before = database.dump()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    result = database.run("upgrade", "--yes", "--backup-dir", str(blocker / "backups"), check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr
    assert "备份失败，升级已停止" in message and "没有执行迁移" in message and str(blocker) in message, message
    assert "第 2 步" not in result.stdout
    assert database.dump() == before
    result = database.run("upgrade", "--yes", "--backup-dir", str(tmp_path / "backups"))
    pending = re.search(r"待执行的迁移 \d+ 个：(.*)", result.stdout).group(1).split("、")  # and any the release lacks
    assert f"zones.{latest}" in pending and f"已执行 zones.{latest}" in result.stdout, result.stdout
    assert len(list((tmp_path / "backups").glob("*.tar.gz"))) == 1


def test_backup_names_never_repeat(tmp_path):
    from parkgov.operations.upgrade import backup_path

    moment = datetime(2026, 12, 7, 13, 20, 48)
    first = backup_path(folder=tmp_path, moment=moment)
    assert first.name == "parkgov-before-upgrade-20261207-132048.tar.gz"
    first.write_bytes(b"")
    assert backup_path(folder=tmp_path, moment=moment).name == "parkgov-before-upgrade-20261207-132048-2.tar.gz"


def test_the_previous_release_is_read_from_the_changelog():
    """The test above upgrades from the commit the newest release heading names; it must be in the repository."""
    release = previous_release()
    result = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-t", release["commit"]], capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.strip() == "commit", f"{release['commit']} is not in this repository: {result.stderr}"
