"""Start jobs and report progress; the task functions live in tasks.py and call the domain services."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from parkgov.jobs.models import Job, JobStatus


def store_upload(upload) -> Path:
    """Copy an uploaded file under the media root with a fresh name (the original name goes in the job's params)."""
    import uuid

    folder = Path(settings.PARKGOV_MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def job_dir(job: Job) -> Path:
    path = Path(settings.PARKGOV_MEDIA_ROOT) / "jobs" / str(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_job(*, kind: str, title: str, params: dict, user) -> Job:
    """Create the job row and enqueue its task after the transaction commits."""
    from parkgov.jobs import tasks

    job = Job.objects.create(kind=kind, title=title, params=params, created_by=user)
    task = {"import": tasks.import_task, "evaluation": tasks.evaluation_task, "export": tasks.export_task}[kind]
    transaction.on_commit(lambda: _enqueue(task, str(job.pk)))
    return job


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
        if status in (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED):
            fields["finished_at"] = timezone.now()
    if result is not None:
        fields["result"] = result
    if output_file is not None:
        fields["output_file"] = output_file
    Job.objects.filter(pk=job_id).update(**fields)
