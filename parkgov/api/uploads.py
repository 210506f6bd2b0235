"""Uploaded files: the same checks as the import page (`parkgov.web.forms.UploadForm`); storing is
`parkgov.jobs.services.store_upload`, shared with the page."""

from django.conf import settings
from django.utils.translation import gettext

from parkgov.api.errors import ApiError
from parkgov.web.forms import UploadForm


def check_upload(upload) -> None:
    """Type, size and content checks of the import page; 413 when too large, 422 otherwise."""
    form = UploadForm(data={}, files={"file": upload})
    if form.is_valid():
        return
    messages = form.errors.get("file", [gettext("文件无法接受")])
    status = 413 if upload.size > settings.PARKGOV_UPLOAD_MAX_BYTES else 422
    raise ApiError(status, messages[0], details=[{"field": "file", "message": m, "value": upload.name}
                                                 for m in messages])
