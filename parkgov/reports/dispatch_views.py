"""The monthly dispatch report download: the user's scope (zone_eval read, the zone in its parks, its projects
only), then the same PDF as `parkgov zone dispatch-report`."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import translation

from parkgov.errors import NotFound
from parkgov.reports.dispatch import dispatch_pdf
from parkgov.accounts.scopes import scope_for

DOMAIN = "zone_eval"


@login_required
def dispatch_report_download(request, code, year, month):
    """月度调度报告（PDF）of one zone and month."""
    scope = scope_for(request.user)
    scope.require(DOMAIN)
    try:
        with translation.override("zh-hans"):  # a Chinese document, like the workbooks
            body = dispatch_pdf(code=code, year=year, month=month, zone_ids=scope.zone_ids)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=dispatch-{year}-{month:02d}.pdf"
    return response
