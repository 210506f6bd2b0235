"""Health checks (issue 18 §3) for `/healthz` and `parkgov status`: the database answers, every migration is
applied, a job worker's heartbeat is fresh, the upload folder has space. Each check is (name, ok, detail); the
detail is for the operator's `parkgov status` — `/healthz` shows only names and ok/failed (no data without login)."""

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parkgov.codes.thresholds import threshold

NAMES = ("database", "migrations", "worker", "disk")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks() -> list[Check]:
    """Every check, in NAMES order; a database that does not answer fails the checks that need it too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks = [Check("database", True, f"{connection.vendor} 可连接")]
    except Exception as exc:  # any driver error: the check names it, the page must not fail
        detail = f"无法连接数据库：{type(exc).__name__}"
        return [Check("database", False, detail), Check("migrations", False, "数据库不可用"),
                Check("worker", False, "数据库不可用"), _disk()]
    checks.append(_migrations())
    checks.append(_worker())
    checks.append(_disk())
    return checks


def _migrations() -> Check:
    try:
        plan = MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes())
    except Exception as exc:
        return Check("migrations", False, f"无法读取迁移状态：{type(exc).__name__}")
    if plan:
        names = "、".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        return Check("migrations", False, f"{len(plan)} 个迁移未执行（{names}…），请运行 parkgov init 或 parkgov upgrade")
    return Check("migrations", True, "已全部执行")


def _worker() -> Check:
    from django.utils import timezone

    from parkgov.jobs.heartbeat import worker_state

    try:
        state = worker_state()
    except Exception as exc:
        return Check("worker", False, f"无法读取任务进程心跳：{type(exc).__name__}")
    if state["alive"]:
        newest = state["alive"][0]
        age = (timezone.now() - newest["beat_at"]).total_seconds()
        return Check("worker", True, f"{len(state['alive'])} 个任务进程在运行（最近心跳 {age:.0f} 秒前，"
                                     f"{newest['host']} 进程 {newest['pid']}）")
    if state["latest"] is None:
        return Check("worker", False, "没有任务进程在运行（parkgov serve 会启动一个）")
    return Check("worker", False, f"任务进程心跳已停止（最近一次 {timezone.localtime(state['latest']):%Y-%m-%d %H:%M:%S}）")


def _disk() -> Check:
    folder = Path(settings.PARKGOV_MEDIA_ROOT)
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path("/"))
    free_mb = shutil.disk_usage(probe).free / 2 ** 20
    minimum = threshold("health_min_free_disk_mb")
    if free_mb < minimum:
        return Check("disk", False, f"{folder} 所在磁盘只剩 {free_mb:,.0f} MB（至少 {minimum:,.0f} MB）")
    return Check("disk", True, f"{folder} 所在磁盘剩余 {free_mb:,.0f} MB")


def status_lines() -> list[str]:
    """`parkgov status`: the checks with their details, versions, database size, queue length, last backup and
    last upgrade."""
    import platform

    import django
    from django.db.models import Count

    import parkgov
    from parkgov.jobs.models import Job, JobStatus, ServiceEvent

    checks = run_checks()
    lines = [f"{'正常' if c.ok else '异常'}  {LABELS[c.name]}：{c.detail}" for c in checks]
    lines.append(f"版本：parkgov {parkgov.__version__} · Django {django.get_version()} · Python {platform.python_version()}"
                 + (f" · {_server_version()}" if checks[0].ok else ""))
    if not checks[0].ok:
        return lines
    lines.append(f"数据库大小：{_database_size() / 2 ** 20:,.1f} MB")
    counts = {row["status"]: row["n"] for row in Job.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
              .values("status").annotate(n=Count("pk"))}
    lines.append(f"任务队列：排队 {counts.get(JobStatus.QUEUED, 0)} 个，进行中 {counts.get(JobStatus.RUNNING, 0)} 个")
    backup = ServiceEvent.objects.filter(kind="backup").order_by("-at").first()
    lines.append(f"最近备份：{timezone_text(backup.at)} → {backup.detail.get('path', '')}" if backup
                 else "最近备份：没有记录（parkgov backup 写出的备份会记在这里）")
    lines.append(_upgrade_line(ServiceEvent.objects.filter(kind="upgrade").order_by("-at").first()))
    return lines


def _upgrade_line(event) -> str:
    if event is None:
        return "最近升级：没有记录（parkgov upgrade 会记在这里）"
    detail = event.detail
    applied = detail.get("applied", [])
    line = (f"最近升级：{timezone_text(event.at)} → parkgov {detail.get('version', '?')}，执行迁移 {len(applied)} 个"
            f"{'（' + '、'.join(applied[:3]) + ('…' if len(applied) > 3 else '') + '）' if applied else ''}，"
            f"升级前备份 {detail.get('backup', '')}")
    return line + (f"；重建缓存失败：{detail['caches_failed']}" if detail.get("caches_failed") else "")


LABELS = {"database": "数据库", "migrations": "迁移", "worker": "任务进程", "disk": "磁盘空间"}


def timezone_text(moment) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


def _server_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _database_size() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    name = Path(str(settings.DATABASES["default"]["NAME"]))
    return sum(p.stat().st_size for p in (name, Path(f"{name}-wal")) if p.exists())
