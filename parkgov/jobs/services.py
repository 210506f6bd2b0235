"""Start jobs and report progress; the task functions live in tasks.py and call the domain services."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from parkgov.jobs.models import FINISHED, Job, JobStatus


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
    path = Path(settings.PARKGOV_MEDIA_ROOT) / "jobs" / str(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_job(*, kind: str, title: str, params: dict, user) -> Job:
    """Create the job row and enqueue its task after the transaction commits."""
    from parkgov.jobs import tasks

    job = Job.objects.create(kind=kind, title=title, params=params, created_by=user)
    task = {"import": tasks.import_task, "evaluation": tasks.evaluation_task, "export": tasks.export_task,
            "lists": tasks.lists_task, "supply_review": tasks.supply_review_task,
            "topology": tasks.topology_task, "report": tasks.report_task}[kind]
    transaction.on_commit(lambda: _enqueue(task, str(job.pk)))
    return job


def retry_job(*, job: Job, user) -> Job:
    """Start an interrupted or failed job again, with the same parameters (its upload is kept), as a new job of the
    user who started it."""
    from parkgov.errors import InputError, NotFound

    if job.created_by_id != getattr(user, "pk", None):
        raise NotFound("没有这个任务")
    if job.status not in (JobStatus.INTERRUPTED, JobStatus.FAILED):
        raise InputError(f"任务“{job.title}”的状态为{job.get_status_display()}，只有中断或失败的任务可以重新运行")
    return start_job(kind=job.kind, title=job.title, params=job.params, user=user)


def _enqueue(task, job_id):
    # A job runs in the deployment's language (zh-hans) wherever it runs, as in the worker process: workbooks,
    # error reports and job messages follow the Chinese exchange format, not the language of the user's page.
    with translation.override(settings.LANGUAGE_CODE):
        task.enqueue(job_id)


def report(job_id, *, progress=None, message=None, status=None, result=None, output_file=None):
    """Store a job's progress (its own short write, visible to pollers at once)."""
    fields = {}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    if message is not None:
        fields["message"] = message[:300]
    if status is not None:
        fields["status"] = status
        if status in FINISHED:
            fields["finished_at"] = timezone.now()
        if status == JobStatus.RUNNING:  # issue 18: whose heartbeat tells whether the job still runs
            from parkgov.jobs.heartbeat import CURRENT

            fields["worker_id"] = CURRENT["worker_id"]
    if result is not None:
        fields["result"] = result
    if output_file is not None:
        fields["output_file"] = output_file
    Job.objects.filter(pk=job_id).update(**fields)
