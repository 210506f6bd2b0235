"""Start jobs and report progress; the task functions live in tasks.py and call the domain services."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from parkgov.jobs.models import Job, JobStatus
from parkgov.jobs.workflow import move, refuse

CANCEL_MARKER = ".cancel-requested"
# report(status=…) → the step of jobs/data/job_states.yaml that the worker makes
STEP_TO = {JobStatus.RUNNING: "start", JobStatus.DONE: "finish", JobStatus.REJECTED: "reject",
           JobStatus.FAILED: "fail", JobStatus.CANCELLED: "stop_cancelled"}


class JobCancelled(BaseException):
    """Raised from a running job's progress report once its owner asked to cancel it. A BaseException, like
    KeyboardInterrupt, so that no `except Exception` on the way turns it into a failure; leaving the job's
    transaction.atomic blocks rolls back what the job wrote."""


class JobGone(BaseException):
    """The job is no longer the worker's to run (cancelled while queued, or marked 中断 by the monitor)."""


def store_upload(upload) -> Path:
    """Copy an uploaded file under the media root, in a fresh folder but under the user's own file name.

    The name is what the user sees in messages, error reports and the change history, so it stays theirs; the
    folder keeps two uploads of the same name apart.
    """
    import uuid

    path = Path(settings.PARKGOV_MEDIA_ROOT) / "uploads" / str(uuid.uuid4()) / upload_name(upload.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def upload_name(name: str) -> str:
    """The user's file name made safe to store: no folders, no control characters, at most 200 bytes."""
    name = "".join(ch for ch in Path(str(name).replace("\\", "/")).name if ch.isprintable()).strip()
    path = Path(f"upload{name}" if name.startswith(".") else name or "upload")
    stem, suffix = path.stem, path.suffix.lower()
    while len((stem + suffix).encode()) > 200:
        stem = stem[:-1]
    return stem + suffix


def job_dir(job: Job) -> Path:
    path = job_path(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_path(job_id) -> Path:
    return Path(settings.PARKGOV_MEDIA_ROOT) / "jobs" / str(job_id)


def start_job(*, kind: str, title: str, params: dict, user) -> Job:
    """Create the job row and enqueue its task after the transaction commits."""
    from parkgov.jobs import tasks
    from parkgov.logs import current_request_id

    job = Job.objects.create(kind=kind, title=title, params=params, created_by=user, request_id=current_request_id())
    task = {"import": tasks.import_task, "evaluation": tasks.evaluation_task, "export": tasks.export_task,
            "lists": tasks.lists_task, "supply_review": tasks.supply_review_task,
            "topology": tasks.topology_task, "report": tasks.report_task}[kind]
    transaction.on_commit(lambda: _enqueue(task, str(job.pk)))
    return job


def retry_job(*, job: Job, user) -> Job:
    """Start an interrupted or failed job again, with the same parameters (its upload is kept), as a new job of the
    user who started it."""
    from parkgov.errors import NotFound

    if job.created_by_id != getattr(user, "pk", None):
        raise NotFound(gettext("没有这个任务"))
    with transaction.atomic():
        if not move(job.pk, "retry", by="owner", actor=user):
            refuse(job, "retry")
        return start_job(kind=job.kind, title=job.title, params=job.params, user=user)


def cancel_job(*, job: Job, user) -> Job:
    """Cancel a job for the user who started it (issue 18 §2): a queued one at once; a running one is asked to stop
    (正在取消) and its worker stops at its next step, undoing what the job wrote (its transaction rolls back)."""
    from parkgov.errors import NotFound

    if job.created_by_id != getattr(user, "pk", None):
        raise NotFound(gettext("没有这个任务"))
    if move(job.pk, "cancel", by="owner", actor=user, message=gettext("已取消，任务未运行")):
        pass
    elif move(job.pk, "request_cancel", by="owner", actor=user, message=gettext("正在取消：任务将在当前步骤结束后停止，已写入的数据全部撤销")):
        marker = job_path(job.pk) / CANCEL_MARKER
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    else:
        job.refresh_from_db()
        refuse(job, "cancel", "request_cancel")
    job.refresh_from_db()
    return job


def cancel_requested(job_id) -> bool:
    """Whether the job's owner asked to stop it. A marker file, not only the row: inside the job's transaction a
    SQLite reader keeps the snapshot it began with and would not see the request."""
    if (job_path(job_id) / CANCEL_MARKER).exists():
        return True
    if transaction.get_connection().in_atomic_block:
        return False
    return Job.objects.filter(pk=job_id, status=JobStatus.CANCELLING).exists()


def _enqueue(task, job_id):
    # A job runs in the deployment's language (zh-hans) wherever it runs, as in the worker process: workbooks,
    # error reports and job messages follow the Chinese exchange format, not the language of the user's page.
    with translation.override(settings.LANGUAGE_CODE):
        task.enqueue(job_id)


def report(job_id, *, progress=None, message=None, status=None, result=None, output_file=None):
    """Store a job's progress (its own short write, visible to pollers at once); with `status`, make the worker's
    step of the job's state machine (jobs/data/job_states.yaml).

    A progress report is where a running job notices that its owner cancelled it: JobCancelled is raised.
    A worker step that the job's state no longer allows (cancelled while queued, marked 中断 meanwhile) raises
    JobGone, so that the worker stops working for it."""
    fields = {}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    if result is not None:
        fields["result"] = result
    if output_file is not None:
        fields["output_file"] = output_file
    if status is None:
        if cancel_requested(job_id):
            raise JobCancelled(job_id)
        if message is not None:
            fields["message"] = message[:300]
        Job.objects.filter(pk=job_id).update(**fields)
        log_step(job_id, message=message, progress=progress)
        return
    if status == JobStatus.RUNNING:  # issue 18: whose heartbeat tells whether the job still runs
        from parkgov.jobs.heartbeat import CURRENT

        fields["worker_id"] = CURRENT["worker_id"]
    if not move(job_id, STEP_TO[JobStatus(status)], by="worker", message=message, **fields):
        raise JobGone(job_id)
    log_step(job_id, message=message, progress=progress, status=status)


def log_step(job_id, **fields) -> None:
    from parkgov.logs import job_step

    job_step(job_id, **fields)
