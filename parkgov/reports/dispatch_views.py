"""The monthly dispatch report download: the user's scope (zone_eval read, the zone in its parks, its projects
only), then the same PDF as `parkgov zone dispatch-report`."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from parkgov.errors import NotFound, ParkgovError
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
    except ParkgovError as exc:  # a bad month or year: the error page, never a traceback
        return render(request, "web/error.html", {"title": gettext("无法生成报告"), "message": str(exc)}, status=400)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=dispatch-{year}-{month:02d}.pdf"
    return response
