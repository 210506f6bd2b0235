"""Uploaded files: the same checks as the import page (`parkgov.web.forms.UploadForm`), then stored for the job."""

import uuid
from pathlib import Path

from django.conf import settings

from parkgov.api.errors import ApiError
from parkgov.web.forms import UploadForm


def check_upload(upload) -> None:
    """Type, size and content checks of the import page; 413 when too large, 422 otherwise."""
    form = UploadForm(data={}, files={"file": upload})
    if form.is_valid():
        return
    messages = form.errors.get("file", ["文件无法接受"])
    status = 413 if upload.size > settings.PARKGOV_UPLOAD_MAX_BYTES else 422
    raise ApiError(status, messages[0], details=[{"field": "file", "message": m, "value": upload.name}
                                                 for m in messages])


def store_upload(upload) -> Path:
    """Copy the upload under the media root with a fresh name (the original name stays in the job's params)."""
    folder = Path(settings.PARKGOV_MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path
