"""`parkgov upgrade` (issue 18 §6): after the new release's code is installed, bring the database and the caches
up to it — back up, migrate, rebuild the caches, record it — in that order, each step only after the one before
succeeded.

The backup comes first and is the condition for the rest: when it cannot be written, for whatever reason (a
folder that cannot be created or written, a full disk, a database that does not answer, pg_dump failing), the
upgrade is refused with the cause and the path, before any migration runs. The caches hold what the old code
computed (the cockpit's figures, map tiles, change tokens in the cache table; the parcel arrays under
PARKGOV_CACHE_DIR): they are emptied and computed again with the new code, so that the first users after the
upgrade neither see old figures nor wait for them. The record (`ServiceEvent` "upgrade", shown by `parkgov
status`) says which migrations were applied, from which state to which, where the backup lies, and how long each
step took. Rolling back is restoring that backup with the old release (docs/operations/upgrade.md).
"""

import errno
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

import parkgov
from parkgov.errors import ParkgovError

BACKUP_FOLDER = "backups"  # beside the media folder, not in it: a backup would otherwise hold every earlier one


@dataclass
class UpgradeReport:
    """What an upgrade did."""

    backup: Path
    applied: list[str]
    before: dict
    after: dict
    seconds: dict = field(default_factory=dict)

    def text(self) -> str:
        """The closing Chinese line for the terminal."""
        done = (_("执行了 %(count)s 个迁移") % {"count": len(self.applied)} if self.applied
                else _("没有需要执行的迁移"))
        return _("升级完成（园区管家 %(version)s）：%(done)s，缓存已重建，升级前的备份在 %(path)s（共用时 %(seconds).1f 秒）") % {
            "version": parkgov.__version__, "done": done, "path": self.backup, "seconds": self.seconds["total"]}


def default_backup_folder() -> Path:
    """Where upgrade backups go unless told: `backups` beside PARKGOV_MEDIA_ROOT (/var/lib/parkgov/backups)."""
    return Path(settings.PARKGOV_MEDIA_ROOT).parent / BACKUP_FOLDER


def backup_path(*, folder: Path, moment: datetime) -> Path:
    """A new file name in `folder` with the time in it; never one that exists (-2, -3, … on a clash)."""
    stem = f"parkgov-before-upgrade-{moment:%Y%m%d-%H%M%S}"
    path, number = folder / f"{stem}.tar.gz", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.tar.gz"
    return path


def run_upgrade(*, backup_folder: Path | None = None, say: Callable[[str], None] = print) -> UpgradeReport:
    """Back up, migrate, rebuild the caches, record; `say` gets each step's progress as a Chinese line."""
    started = time.monotonic()
    seconds = {}
    _warn_if_serving(say)
    say(_("第 1 步，共 4 步：备份数据库与附件"))
    report = _backup(folder=Path(backup_folder) if backup_folder else default_backup_folder(), say=say)
    seconds["backup"] = round(report.seconds, 2)
    say("  " + report.text())

    say(_("第 2 步，共 4 步：迁移数据库结构"))
    step = time.monotonic()
    before = applied_migrations()
    applied = _migrate(say=say, backup=report.path)
    after = applied_migrations()
    seconds["migrate"] = round(time.monotonic() - step, 2)

    say(_("第 3 步，共 4 步：重建缓存"))
    step = time.monotonic()
    try:
        _rebuild_caches(say=say)
    except Exception as exc:  # the schema is current already: say so, and record the upgrade with what failed
        seconds["total"] = round(time.monotonic() - started, 2)
        _record(report=report, before=before, after=after, applied=applied, seconds=seconds, failed=_cause(exc))
        raise ParkgovError(_("数据库已迁移到本版本，但重建缓存失败：%(cause)s。网页会在首次打开时计算，"
                             "也可稍后运行 parkgov warm") % {"cause": _cause(exc)}) from exc
    seconds["caches"] = round(time.monotonic() - step, 2)

    say(_("第 4 步，共 4 步：记录本次升级"))
    seconds["total"] = round(time.monotonic() - started, 2)
    _record(report=report, before=before, after=after, applied=applied, seconds=seconds)
    return UpgradeReport(backup=report.path, applied=applied, before=before, after=after, seconds=seconds)


def _warn_if_serving(say) -> None:
    """A job worker with a fresh heartbeat means the service still runs: migrating under it is not safe."""
    from parkgov.jobs.heartbeat import worker_state

    try:
        alive = worker_state()["alive"]
    except Exception:  # no heartbeat table (older than issue 18), no database: the backup step will say so
        connection.close()
        return
    if alive:
        say(_("注意：有 %(count)s 个任务进程仍在运行（%(host)s 进程 %(pid)s）。升级应在停止服务后进行（systemctl stop parkgov）")
            % {"count": len(alive), "host": alive[0]["host"], "pid": alive[0]["pid"]})


def _backup(*, folder: Path, say):
    """create_backup into a new file in `folder`; any failure becomes a refusal naming the cause and the path."""
    from parkgov.operations.services import create_backup

    path = backup_path(folder=folder, moment=datetime.now())
    say("  " + _("备份文件：%(path)s") % {"path": path})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return create_backup(path=path, record=False)
    except Exception as exc:  # whatever stops the backup stops the upgrade, before anything is changed
        connection.close()
        raise ParkgovError(_("备份失败，升级已停止，数据库未做任何改动（没有执行迁移）：%(cause)s。备份文件：%(path)s。"
                             "请排除原因后重新运行，或用 --backup-dir 指定另一个可写、空间足够的文件夹")
                           % {"cause": _cause(exc), "path": path}) from exc


def _cause(exc: Exception) -> str:
    """The reason in Chinese: our own message as it is, a file-system error by its errno, else the driver's."""
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        where = exc.filename or ""
        return f"{_ERRNO[exc.errno]()}{'（' + str(where) + '）' if where else ''}"
    if isinstance(exc, ParkgovError):
        text = str(exc)
    else:
        first = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__
    full = getattr(exc.__cause__ or exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "No space left" in text
    return _("磁盘空间不足（%(detail)s）") % {"detail": text} if full else text


_ERRNO = {
    errno.ENOSPC: lambda: _("磁盘空间不足"),
    errno.EDQUOT: lambda: _("超出磁盘配额"),
    errno.EACCES: lambda: _("没有写入权限"),
    errno.EPERM: lambda: _("没有写入权限"),
    errno.EROFS: lambda: _("文件系统只读"),
    errno.ENOTDIR: lambda: _("路径中有一段是文件而不是文件夹"),
    errno.EEXIST: lambda: _("已有同名的文件，不能建文件夹"),
    errno.ENOENT: lambda: _("文件夹不存在"),
}


def applied_migrations() -> dict:
    """The latest applied migration per app (as the backup manifest records it)."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder, latest = MigrationRecorder(connection), {}
    if not recorder.has_table():  # a database `parkgov init` never prepared
        return latest
    for app, name in recorder.migration_qs.order_by("id").values_list("app", "name"):
        latest[app] = name
    return latest


def _migrate(*, say, backup: Path) -> list[str]:
    """Apply the pending migrations one by one with their progress; returns their names (app.name)."""
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    if not names:
        say("  " + _("没有待执行的迁移：数据库结构已是本版本的"))
        return []
    say("  " + _("待执行的迁移 %(count)s 个：%(names)s") % {"count": len(names), "names": "、".join(names)})
    done = []
    for number, (migration, _backwards) in enumerate(plan, start=1):
        step = time.monotonic()
        try:
            call_command("migrate", migration.app_label, migration.name, interactive=False, verbosity=0)
        except Exception as exc:
            raise ParkgovError(_("迁移 %(name)s 失败：%(cause)s。已执行的迁移：%(done)s。升级前的备份在 %(path)s："
                                 "可用旧版本恢复（见 docs/operations/upgrade.md）")
                               % {"name": names[number - 1], "cause": _cause(exc), "done": "、".join(done) or _("无"),
                                  "path": backup}) from exc
        done.append(names[number - 1])
        say("  " + _("[%(number)s/%(count)s] 已执行 %(name)s（%(seconds).1f 秒）")
            % {"number": number, "count": len(names), "name": names[number - 1],
               "seconds": time.monotonic() - step})
    return done


def _rebuild_caches(*, say) -> None:
    """Empty every database cache table and this database's shared arrays, then compute them with this code."""
    from django.core.cache import caches
    from django.core.management import call_command

    from parkgov.jobs.tasks import warm_everyone
    from parkgov.operations.databases import quote
    from parkgov.spatial.shared import forget_database

    call_command("createcachetable", verbosity=0)  # a table the new settings name
    for alias, config in settings.CACHES.items():
        if config["BACKEND"].endswith("DatabaseCache"):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {quote(config['LOCATION'])}")
                entries = cursor.fetchone()[0]
            caches[alias].clear()
            say("  " + _("已清空缓存表 %(table)s（%(count)s 条）") % {"table": config["LOCATION"], "count": entries})
    say("  " + _("已删除 %(folder)s 中本数据库的地图数组 %(count)s 份")
        % {"folder": settings.PARKGOV_CACHE_DIR, "count": forget_database()})

    def progress(done, total):
        if done == total or done % max(1, total // 5) == 0:
            say("  " + _("预热园区大脑与地图瓦片：%(done)s/%(total)s 种数据范围") % {"done": done, "total": total})

    counts = warm_everyone(progress=progress)
    say("  " + _("已为 %(scopes)s 种数据范围计算园区大脑，切好 %(tiles)s 个瓦片")
        % {"scopes": counts["scopes"], "tiles": counts["tiles"]})


def _record(*, report, before: dict, after: dict, applied: list[str], seconds: dict, failed: str = "") -> None:
    from parkgov.jobs.models import ServiceEvent
    from parkgov.operations.services import record_backup

    record_backup(report)
    detail = {"version": parkgov.__version__, "from": before, "to": after, "applied": applied,
              "backup": str(report.path), "seconds": seconds}
    ServiceEvent.objects.create(kind="upgrade", detail={**detail, "caches_failed": failed} if failed else detail)
