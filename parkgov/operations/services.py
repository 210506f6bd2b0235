"""Backup and restore of a deployment: the database, the media folder (uploads, job outputs) and a manifest.

`create_backup` takes a consistent snapshot while the service runs and writes one file, or nothing (it is
written beside the target and renamed at the end). `restore_backup` checks the whole file against its manifest
before it writes anything, refuses a backup of a newer schema, another database type or a non-empty target, and
makes the restored SQLite database appear only once it has been verified (PostgreSQL: one pg_restore
transaction). Restoring across database types is not supported: move a ledger with `export ledger`/`import`.
"""

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

import parkgov
from parkgov.errors import InputError, ParkgovError
from parkgov.operations import archive, databases


@dataclass
class BackupReport:
    """What a backup holds."""

    path: Path
    size_bytes: int
    tables: int
    rows: int
    media_files: int
    seconds: float

    def text(self) -> str:
        """One Chinese line for the terminal."""
        return _("备份已写入 %(path)s：%(tables)s 张表共 %(rows)s 行，附件 %(files)s 个，%(size).1f MB（用时 %(seconds).1f 秒）") % {
            "path": self.path, "tables": self.tables, "rows": f"{self.rows:,}", "files": self.media_files,
            "size": self.size_bytes / 1e6, "seconds": self.seconds}


@dataclass
class RestoreReport:
    """What a restore wrote."""

    path: Path
    database: str
    tables: int
    rows: int
    media_files: int
    upgraded: bool
    seconds: float

    def text(self) -> str:
        """One Chinese line (two when the schema was upgraded) for the terminal."""
        line = _("已从 %(path)s 恢复到 %(database)s：%(tables)s 张表共 %(rows)s 行与清单一致，附件 %(files)s 个（用时 %(seconds).1f 秒）") % {
            "path": self.path, "database": self.database, "tables": self.tables, "rows": f"{self.rows:,}",
            "files": self.media_files, "seconds": self.seconds}
        return line + ("\n" + _("备份来自较早的版本，数据库结构已升级到当前版本") if self.upgraded else "")


def create_backup(*, path: Path, record: bool = True) -> BackupReport:
    """Write a backup of the configured database and PARKGOV_MEDIA_ROOT to `path` (which must not exist) and,
    unless `record=False`, note it for `parkgov status` (`parkgov upgrade` notes it once the schema is current:
    before its migrations the table may not match this code)."""
    started, path = time.monotonic(), Path(path)
    if path.exists():
        raise InputError(_("文件 %(path)s 已存在：备份不覆盖已有文件，请换一个文件名") % {"path": path})
    if not path.parent.is_dir():
        raise InputError(_("文件夹 %(folder)s 不存在") % {"folder": path.parent})
    vendor = connection.vendor
    staging = Path(tempfile.mkdtemp(prefix=".parkgov-backup-", dir=path.parent))
    try:
        member = archive.DATABASE_MEMBERS[vendor]
        snapshot = staging / member
        if vendor == "sqlite":
            tables, migrations = databases.snapshot_sqlite(source=Path(settings.DATABASES["default"]["NAME"]),
                                                           target=snapshot)
        else:
            tables, migrations = databases.snapshot_postgres(target=snapshot)
        partial = staging / "backup.partial"
        writer = archive.ArchiveWriter(partial)
        try:
            writer.add_file(name=member, source=snapshot)
            media = _media_files(skip=staging)
            for relative, source in media:
                writer.add_file(name=archive.MEDIA_PREFIX + relative, source=source)
        except BaseException:
            writer.abort()
            raise
        writer.close({"format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
                      "parkgov_version": parkgov.__version__, "created_at": datetime.now(timezone.utc).isoformat(),
                      "database": {"vendor": vendor, "member": member}, "migrations": migrations, "tables": tables})
        _fsync(partial)
        os.replace(partial, path)
    finally:
        archive.remove_tree(staging)
    report = BackupReport(path=path, size_bytes=path.stat().st_size, tables=len(tables), rows=sum(tables.values()),
                          media_files=len(media), seconds=time.monotonic() - started)
    if record:
        record_backup(report)
    return report


def record_backup(report: BackupReport) -> None:
    """Issue 18: `parkgov status` shows the last backup."""
    from parkgov.jobs.models import ServiceEvent

    ServiceEvent.objects.create(kind="backup", detail={"path": str(report.path), "size_bytes": report.size_bytes,
                                                       "rows": report.rows})


def _media_files(*, skip: Path) -> list[tuple[str, Path]]:
    root = Path(settings.PARKGOV_MEDIA_ROOT)
    if not root.is_dir():
        return []
    return [(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and skip not in p.parents]


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def restore_backup(*, path: Path) -> RestoreReport:
    """Restore the backup at `path` into the configured database, which must be empty, and the media folder."""
    from parkgov.ledger.services import database_label

    started, path, vendor = time.monotonic(), Path(path), connection.vendor
    target = Path(settings.DATABASES["default"]["NAME"]) if vendor == "sqlite" else None
    if target and not target.parent.is_dir():
        raise InputError(_("文件夹 %(folder)s 不存在") % {"folder": target.parent})
    _check_target_empty(vendor)
    staging = Path(tempfile.mkdtemp(prefix=".parkgov-restore-", dir=target.parent if target else None))
    try:
        extracted = archive.extract(path=path, staging=staging)
        manifest = extracted.manifest
        _check_compatible(manifest=manifest, vendor=vendor, path=path)
        moves, media_count = _plan_media(extracted.media), len(extracted.media)
        dump = extracted.files[manifest["database"]["member"]]
        _check_target_empty(vendor)
        if vendor == "sqlite":
            _check_counts(found=databases.sqlite_counts(dump), manifest=manifest, path=path)
            _move_media(moves)
            for suffix in ("-wal", "-shm"):  # left by an empty database; they must not be replayed on ours
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(dump, target)
        else:
            databases.restore_postgres(dump=dump)
            with connection.cursor() as cursor:
                found = databases.describe(cursor, databases.postgres_tables(cursor))[0]
            _check_counts(found=found, manifest=manifest, path=path)
            _move_media(moves)
    finally:
        archive.remove_tree(staging)
    upgraded = _migrate()
    tables = manifest["tables"]
    return RestoreReport(path=path, database=database_label(), tables=len(tables), rows=sum(tables.values()),
                         media_files=media_count, upgraded=upgraded, seconds=time.monotonic() - started)


def _check_target_empty(vendor: str) -> None:
    from parkgov.ledger.services import database_label

    if vendor == "sqlite":
        tables = databases.sqlite_tables(Path(settings.DATABASES["default"]["NAME"]))
    else:
        with connection.cursor() as cursor:
            tables = databases.postgres_tables(cursor)
    if tables:
        raise InputError(_("目标数据库 %(database)s 不是空的（已有 %(count)s 张表，如 %(example)s）：恢复只写入空数据库，"
                           "请把 PARKGOV_DATABASE_URL 指向一个新数据库（SQLite 用一个新文件名）后再恢复")
                         % {"database": database_label(), "count": len(tables), "example": tables[0]})


def _check_compatible(*, manifest: dict, vendor: str, path: Path) -> None:
    """Same database type, and every migration the backup has applied is known to this code."""
    from django.db.migrations.loader import MigrationLoader

    found = manifest["database"].get("vendor")
    if found != vendor or manifest["database"].get("member") != archive.DATABASE_MEMBERS.get(vendor):
        raise InputError(_("备份文件 %(path)s 来自 %(found)s 数据库，当前是 %(current)s：不支持跨数据库类型恢复"
                           "（可用 parkgov export ledger 与 parkgov import 迁移台账）")
                         % {"path": path, "found": found, "current": vendor})
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app, name in sorted(manifest["migrations"].items()):
        if (app, name) not in known:
            raise InputError(_("备份文件 %(path)s 的数据库结构比本程序新（%(app)s 的迁移 %(name)s 本程序没有；备份来自园区管家 "
                               "%(version)s，本程序是 %(current)s）：请先升级园区管家再恢复")
                             % {"path": path, "app": app, "name": name, "version": manifest.get("parkgov_version"),
                                "current": parkgov.__version__})


def _check_counts(*, found: dict, manifest: dict, path: Path) -> None:
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            raise ParkgovError(_("从 %(path)s 恢复的表 %(table)s 有 %(found)s 行，清单记录 %(expected)s 行：恢复已停止")
                               % {"path": path, "table": table, "found": found.get(table), "expected": expected.get(table)})


def _plan_media(media: dict[str, Path]) -> list[tuple[Path, Path]]:
    """Where each media file goes; a different file already at that place is refused before anything is written."""
    root = Path(settings.PARKGOV_MEDIA_ROOT)
    moves = []
    for relative, source in sorted(media.items()):
        target = root / relative
        if target.exists():
            if not target.is_file() or archive.sha256_of(target) != archive.sha256_of(source):
                raise InputError(_("附件文件夹中已有不同的文件 %(file)s：恢复不覆盖已有文件，请使用空的 PARKGOV_MEDIA_ROOT")
                                 % {"file": target})
            continue
        moves.append((source, target))
    return moves


def _move_media(moves: list[tuple[Path, Path]]) -> None:
    import shutil

    for source, target in moves:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)


def _migrate() -> bool:
    """Bring a backup of an older schema up to this code; True when something was applied."""
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    connection.close()
    pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    return bool(pending)
