"""Structured log lines (issue 18 §5): one JSON object per line on stdout, for each web request
(`parkgov.web.request_log`), each job step (`job_step`) and every ordinary log record; the request id of the web
request being served, carried into the jobs it starts.

Every line has `time` (ISO 8601 with the zone), `level`, `logger` and `event` ("request", "job_step" or "log"),
then the record's own fields; an ordinary record adds `message` and, with a traceback, `exc` (one string). Only
plain JSON values given in `extra=` become fields, so an object (Django's `request`, with its query string and
cookies) never reaches a line. The lowest layer: it imports nothing of parkgov's apps, so settings can name its
formatters before Django starts.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from contextlib import contextmanager

_request_id = contextvars.ContextVar("parkgov_request_id", default="")
_job = contextvars.ContextVar("parkgov_job", default=None)
steps = logging.getLogger("parkgov.jobs.steps")

EVENTS = ("request", "job_step", "log")
# the attributes every LogRecord has; whatever else a record carries came from `extra=`
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_NEVER = {"request", "event"}  # Django's django.request records carry the whole request object
_PLAIN = (str, int, float, bool, type(None))


_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The id a proxy gave the request (X-Request-ID) when it is a short safe token, else a new one: the id is
    written into every line, so it must not be able to carry anything else (a name, a newline, a long text)."""
    if header and _SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


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
def job_context(*, job_id, kind: str, user_id, request_id: str, username: str | None = None):
    """While a worker runs a job: its id, kind, user and the id of the request that started it, for each line;
    and when its previous step ended, for the step's duration."""
    user = {"id": user_id, "username": username} if user_id is not None else None
    token = _job.set({"job": str(job_id), "kind": kind, "user": user, "status": None, "since": time.monotonic()})
    token_request = _request_id.set(request_id or "")
    try:
        yield
    finally:
        _job.reset(token)
        _request_id.reset(token_request)


def job_step(job_id, *, message=None, progress=None, status=None, duration_ms=None) -> None:
    """One line per job step: the job, its kind and user, the request that started it, the job's status (the last
    one reported when the step names none), progress, the step's message (job messages carry counts and sheet
    names, never figures of a firm) and the milliseconds since the job's previous step (or since it started)."""
    context = _job.get()
    if context is None or context["job"] != str(job_id):  # a report outside the job's worker context
        context = {"job": str(job_id), "kind": None, "user": None, "status": None, "since": None}
    now = time.monotonic()
    if duration_ms is None and context["since"] is not None:
        duration_ms = round((now - context["since"]) * 1000, 1)
    context["since"] = now
    if status is not None:
        context["status"] = str(status)
    level = logging.WARNING if context["status"] == "failed" else logging.INFO
    steps.log(level, "job step", extra={
        "event": "job_step", "job": context["job"], "kind": context["kind"], "user": context["user"],
        "request_id": current_request_id() or None, "status": context["status"], "progress": progress,
        "step": message, "duration_ms": duration_ms})


def _fields(record) -> dict:
    """The record's structured fields: its `extra=` values that are plain JSON, nothing else."""
    fields = {}
    for key, value in vars(record).items():
        if key in _RECORD_ATTRIBUTES or key in _NEVER or key.startswith("_"):
            continue
        if isinstance(value, _PLAIN) or (isinstance(value, dict) and all(isinstance(v, _PLAIN) for v in value.values())):
            fields[key] = value
    return fields


def _event(record) -> str:
    event = getattr(record, "event", "log")
    return event if event in EVENTS else "log"


def _time(record) -> str:
    return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (non-ASCII kept as it is: job messages are Chinese)."""

    def format(self, record) -> str:
        line = {"time": _time(record), "level": record.levelname, "logger": record.name, "event": _event(record)}
        if line["event"] == "log":
            line["message"] = record.getMessage()
            if current_request_id():  # a warning or an error while a request or a job is being served
                line["request_id"] = current_request_id()
            if _job.get():
                line["job"] = _job.get()["job"]
        line.update(_fields(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For developers (PARKGOV_LOG_FORMAT=text): `time level logger message key=value …` on one line, the
    traceback below it."""

    def format(self, record) -> str:
        fields = _fields(record)
        if current_request_id() and "request_id" not in fields:
            fields["request_id"] = current_request_id()
        head = record.getMessage() if _event(record) == "log" else _event(record)
        text = " ".join([dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S"), record.levelname,
                         record.name, head] + [f"{k}={_short(v)}" for k, v in fields.items() if v is not None])
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _short(value) -> str:
    if isinstance(value, dict):
        return ",".join(str(v) for v in value.values() if v is not None)
    return str(value)


def logging_config(*, format: str = "json", level: str = "INFO") -> dict:
    """settings.LOGGING: everything to stdout in `format` ("json" or "text") from `level` up.

    Pinned whatever the level: SQL (django.db.backends, with its parameters: figures) never below INFO; Django's
    own "Not Found"/"Forbidden" warnings off (the request line says the status; its 5xx errors with the traceback
    stay); the development server's lines off (they carry the query string); django-axes from WARNING (its INFO
    lines name every username tried, and people type passwords into the username field); WeasyPrint's progress
    from WARNING (its INFO lines are the steps of laying out each PDF, one a page: ten lines a dossier of a batch)."""
    null = {"handlers": ["null"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": format},
                     "null": {"class": "logging.NullHandler"}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
            "django.server": null,
            "django.db.backends": {"handlers": [], "level": "INFO", "propagate": True},
            "django.utils.autoreload": {"handlers": [], "level": "INFO", "propagate": True},
            "axes": {"handlers": [], "level": "WARNING", "propagate": True},
            "weasyprint.progress": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
