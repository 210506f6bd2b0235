"""Job-worker heartbeats (issue 18 §2, §3): a worker process says every few seconds that it lives; a job whose
worker has been silent past the limit (thresholds.csv `worker_silent_seconds`) is marked 中断, so that its user sees
what happened and can start it again. The beat comes from a thread of the worker process, so it goes on while a long
job runs and stops only when the process dies (or stops, when the row is removed)."""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import close_old_connections, connection
from django.utils import timezone

from parkgov.codes.thresholds import threshold
from parkgov.jobs.models import Job, JobStatus, WorkerHeartbeat
from parkgov.jobs.workflow import move

log = logging.getLogger("parkgov.jobs")
CURRENT = {"worker_id": ""}  # the worker id of this process, set by `start`; empty when jobs run inline

INTERRUPTED_MESSAGE = "后台任务进程已停止（{why}），任务中断，未完成的写入已全部撤销；可在任务页重新运行"


def silent_after() -> timedelta:
    return timedelta(seconds=threshold("worker_silent_seconds"))


def beat(worker_id: str, *, started_at=None) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={
        "host": socket.gethostname()[:200], "pid": os.getpid(), "beat_at": now, "started_at": started_at or now})


def interrupt_orphans(*, now=None) -> int:
    """Mark 中断 every running or queued-and-claimed job whose worker's heartbeat is missing or older than the
    limit; returns how many. Jobs run inline (no worker id) are never touched."""
    now = now or timezone.now()
    alive = WorkerHeartbeat.objects.filter(beat_at__gte=now - silent_after()).values_list("worker_id", flat=True)
    orphans = Job.objects.filter(status__in=(JobStatus.RUNNING, JobStatus.CANCELLING)).exclude(worker_id="") \
        .exclude(worker_id__in=list(alive))
    count = 0
    for job in orphans:
        last = WorkerHeartbeat.objects.filter(worker_id=job.worker_id).values_list("beat_at", flat=True).first()
        why = f"最后心跳 {timezone.localtime(last):%Y-%m-%d %H:%M:%S}" if last else "进程已退出"
        count += move(job.pk, "interrupt", by="monitor", finished_at=now, message=INTERRUPTED_MESSAGE.format(why=why))
    if count:
        log.warning("marked %d job(s) interrupted: their worker stopped", count)
    return count


class Heartbeat:
    """The beating thread of one worker process (`start()`, `stop()`); each beat also sweeps for orphans."""

    def __init__(self, worker_id: str, interval: float | None = None):
        self.worker_id = worker_id
        self.interval = interval or threshold("worker_heartbeat_seconds")
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="parkgov-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        CURRENT["worker_id"] = self.worker_id
        beat(self.worker_id, started_at=self.started_at)
        interrupt_orphans()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                close_old_connections()
                beat(self.worker_id, started_at=self.started_at)
                interrupt_orphans()
            except Exception:  # a busy or restarting database: beat again next time
                log.exception("heartbeat of worker %s failed", self.worker_id)
        connection.close()

    def stop(self) -> None:
        """A clean stop: the row goes (a stopped worker is not a dead one)."""
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        CURRENT["worker_id"] = ""


def worker_state(*, now=None) -> dict:
    """{"alive": [worker ids with a fresh beat], "latest": the newest beat or None} for /healthz and status."""
    now = now or timezone.now()
    rows = list(WorkerHeartbeat.objects.order_by("-beat_at").values("worker_id", "beat_at", "host", "pid"))
    fresh = [r for r in rows if r["beat_at"] >= now - silent_after()]
    return {"alive": fresh, "latest": rows[0]["beat_at"] if rows else None}
