"""Database snapshots for backups: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

Both take the row counts and applied migrations from the snapshot itself, not from the live database, so the
manifest describes exactly what the backup holds while the service keeps writing: SQLite copies all pages in one
step (a read transaction; in WAL mode writers go on), PostgreSQL exports a repeatable-read snapshot that the
counts and `pg_dump --snapshot` both read.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from parkgov.errors import ConfigError, ParkgovError

SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
# tables of the current schema, without those an extension owns (PostGIS's spatial_ref_sys)
POSTGRES_TABLES = """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
    ORDER BY c.relname"""


def quote(name: str) -> str:
    """A table name quoted for SQL (both backends)."""
    return '"' + name.replace('"', '""') + '"'


def describe(cursor, tables: list[str]) -> tuple[dict, dict]:
    """Row count per table and the latest applied migration per app, read through `cursor`."""
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    migrations = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name
    return counts, migrations


def sqlite_tables(path: Path) -> list[str]:
    """Tables in the SQLite file at `path` (none when the file does not exist)."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [row[0] for row in conn.execute(SQLITE_TABLES)]


def snapshot_sqlite(*, source: Path, target: Path) -> tuple[dict, dict]:
    """Copy the live SQLite database into `target` in one step; return its row counts and migrations."""
    with contextlib.closing(sqlite3.connect(source, timeout=60)) as live, \
            contextlib.closing(sqlite3.connect(target)) as copy:
        live.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        tables = [row[0] for row in copy.execute(SQLITE_TABLES)]
        return describe(copy.cursor(), tables)


def sqlite_counts(path: Path) -> dict:
    """Row count per table of a SQLite file."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return describe(conn.cursor(), [row[0] for row in conn.execute(SQLITE_TABLES)])[0]


def _postgres_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ, PGDATABASE=db["NAME"])
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def postgres_tool(name: str) -> str:
    """Path of pg_dump or pg_restore: PARKGOV_PG_BIN, else the newest Debian install, else the PATH."""
    configured = getattr(settings, "PARKGOV_PG_BIN", "")
    if configured:
        candidate = Path(configured) / name
        if not candidate.is_file():
            raise ConfigError(_("PARKGOV_PG_BIN=%(folder)s 中没有 %(name)s") % {"folder": configured, "name": name})
        return str(candidate)
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    found = str(installed[-1]) if installed else shutil.which(name)
    if not found:
        raise ConfigError(_("找不到 PostgreSQL 客户端工具 %(name)s：请安装 postgresql-client，或设置 PARKGOV_PG_BIN")
                          % {"name": name})
    return found


def _run(command: list[str], *, what: str) -> None:
    result = subprocess.run(command, env=_postgres_env(), capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise ParkgovError(_("%(what)s 失败：%(reason)s") % {"what": what, "reason": lines[-1] if lines else result.returncode})


def snapshot_postgres(*, target: Path) -> tuple[dict, dict]:
    """pg_dump (custom format) of an exported snapshot into `target`; return that snapshot's counts and migrations."""
    import psycopg

    env = _postgres_env()
    params = {"dbname": env["PGDATABASE"], "host": env.get("PGHOST"), "port": env.get("PGPORT"),
              "user": env.get("PGUSER"), "password": env.get("PGPASSWORD"), "sslmode": env.get("PGSSLMODE")}
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(POSTGRES_TABLES)
            described = describe(cursor, [row[0] for row in cursor.fetchall()])
            _run([postgres_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                 what="pg_dump")
        conn.rollback()
    return described


def postgres_tables(cursor) -> list[str]:
    """Tables of the current PostgreSQL schema (extension tables left out)."""
    cursor.execute(POSTGRES_TABLES)
    return [row[0] for row in cursor.fetchall()]


def restore_postgres(*, dump: Path) -> None:
    """pg_restore `dump` into the configured database in one transaction (all or nothing)."""
    _run([postgres_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
          "--no-comments", f"--dbname={settings.DATABASES['default']['NAME']}", str(dump)], what="pg_restore")
