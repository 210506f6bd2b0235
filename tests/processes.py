"""Databases for tests that run parkgov in processes of their own (the CLI, `serve`, job workers).

Migrating an empty database (`parkgov init`) costs about 13 s of CPU; these tests need a migrated database each, so
one is migrated per test session by `parkgov init` itself and each test gets a copy: the file (SQLite) or
`CREATE DATABASE … TEMPLATE` (PostgreSQL). Tests of `init` itself still run it on an empty database."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
_made = {}


def _init(url: str) -> None:
    env = dict(os.environ, PARKGOV_DATABASE_URL=url)
    result = subprocess.run([sys.executable, "-m", "parkgov", "init"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def _server():
    db = settings.DATABASES["default"]
    return db, f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"


def _admin(sql: str) -> None:
    import psycopg

    db, _ = _server()
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _template() -> str:
    """The session's migrated database: a file path (SQLite) or a database name (PostgreSQL)."""
    if "template" not in _made:
        if ON_SQLITE:
            path = ROOT / "build" / f"test-migrated-{os.getpid()}.db"
            path.parent.mkdir(exist_ok=True)
            for stale in path.parent.glob(f"{path.name}*"):
                stale.unlink()
            _init(f"sqlite:///{path}")
            _made["template"] = str(path)
        else:
            db, server = _server()
            name = f"{db['NAME']}_migrated"
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _admin(f'CREATE DATABASE "{name}"')
            _init(f"{server}/{name}")
            _made["template"] = name
    return _made["template"]


def migrated_database(folder: Path, name: str) -> str:
    """The URL of a new migrated database: `folder/<name>.db` (SQLite), or database `<test db>_<name>` on the test
    server (PostgreSQL; dropped first if a previous run left it). `drop_database(url)` removes a PostgreSQL one."""
    template = _template()
    if ON_SQLITE:
        path = Path(folder) / f"{name}.db"
        shutil.copyfile(template, path)
        if Path(f"{template}-wal").exists():
            shutil.copyfile(f"{template}-wal", f"{path}-wal")
        return f"sqlite:///{path}"
    db, server = _server()
    database = f"{db['NAME'].removeprefix('test_')}_{name}"
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    return f"{server}/{database}"


def drop_database(url: str) -> None:
    if not url.startswith("sqlite"):
        _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def drop_template() -> None:
    if not ON_SQLITE and "template" in _made:
        _admin(f'DROP DATABASE IF EXISTS "{_made.pop("template")}" WITH (FORCE)')
    elif "template" in _made:
        Path(_made.pop("template")).unlink(missing_ok=True)
