"""Structured log lines (issue 18 §5): the request id of the web request being served, carried into the jobs it
starts, and one line per job step. The lowest layer: it imports nothing of parkgov's apps."""

import contextvars
import logging
from contextlib import contextmanager

_request_id = contextvars.ContextVar("parkgov_request_id", default="")
_job = contextvars.ContextVar("parkgov_job", default=None)
steps = logging.getLogger("parkgov.jobs.steps")


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def request_context(request_id: str):
    token = _request_id.set(request_id or "")
    try:
        yield
    finally:
        _request_id.reset(token)


@contextmanager
def job_context(*, job_id, kind: str, user_id, request_id: str):
    """While a worker runs a job: its id, kind, user and the id of the request that started it, for each line."""
    token = _job.set({"job": str(job_id), "kind": kind, "user": user_id})
    token_request = _request_id.set(request_id or "")
    try:
        yield
    finally:
        _job.reset(token)
        _request_id.reset(token_request)


def job_step(job_id, *, message=None, progress=None, status=None, duration_ms=None) -> None:
    """One line per job step: the job, its kind and user, the request that started it, status, progress and the
    step's message (job messages carry counts and sheet names, never figures of a firm)."""
    context = _job.get() or {"job": str(job_id)}
    steps.info("job step", extra={"event": "job_step", **context, "request_id": current_request_id(),
                                  "status": status, "progress": progress, "step": message, "duration_ms": duration_ms})
