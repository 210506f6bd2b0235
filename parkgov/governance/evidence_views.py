"""The scoped download of an evidence attachment: 404 for anyone outside the finding's or case's scope."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.translation import gettext

from parkgov.accounts.scopes import scope_for
from parkgov.errors import NotFound
from parkgov.governance.evidence import download_name, may_read_attachment, open_attachment
from parkgov.governance.models import Attachment


@login_required
def attachment(request, pk):
    """Serve the file under its original name and the type its content proved, never sniffed by the browser."""
    scope = scope_for(request.user)
    record = Attachment.objects.filter(pk=pk).first()
    if record is None or not may_read_attachment(attachment=record, scope=scope):
        raise Http404(gettext("没有此证据材料，或无权查看"))
    try:
        handle = open_attachment(attachment=record)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(handle, as_attachment=True,
                            filename=download_name(record), content_type=record.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
