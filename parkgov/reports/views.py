"""Report downloads: a firm's or a parcel's dossier PDF, a zone's annual report PDF, and a zone's dossiers as a
background job (one PDF or a zip). Each starts from the user's scope (parkgov.accounts.scopes.scope_for): the
domain the report is about must be readable, the firm, parcel or zone must be within the user's parks (404
otherwise, as its page), and the report's builders cut fields and sections to the role like the pages.
Reports are Chinese documents (like the exchange workbooks) whatever the page's language."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from parkgov.accounts.scopes import scope_for
from parkgov.errors import NotFound, ParkgovError
from parkgov.jobs.services import start_job
from parkgov.reports import dossier_pdf as dossiers
from parkgov.reports.annual import annual_report_pdf


def report_view(domain):
    """Login and read access to `domain`; passes `scope`; NotFound → 404, other errors → the error page."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            scope = scope_for(request.user)
            scope.require(domain)
            try:
                with translation.override("zh-hans"):
                    return view(request, *args, scope=scope, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from exc
            except ParkgovError as exc:
                return render(request, "web/error.html", {"title": gettext("无法生成报告"), "message": str(exc)},
                              status=400)
        return wrapper
    return decorate


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@report_view("enterprise")
def enterprise_pdf(request, credit_code, scope):
    """一企一档 PDF."""
    firm = dossiers.find_enterprise(scope=scope, credit_code=credit_code)
    return _pdf(dossiers.dossier_pdf(scope=scope, enterprises=[firm]), f"一企一档-{firm.credit_code}.pdf")


@report_view("parcel")
def parcel_pdf(request, code, scope):
    """一地一档 PDF."""
    plot = dossiers.find_parcel(scope=scope, code=code)
    return _pdf(dossiers.dossier_pdf(scope=scope, parcels=[plot]), f"一地一档-{plot.code}.pdf")


@report_view("zone")
def annual_pdf(request, code, year, scope):
    """The zone's annual evaluation report PDF."""
    return _pdf(annual_report_pdf(scope=scope, zone_code=code, year=year), f"年度评价报告-{code}-{year}.pdf")


@require_POST
@report_view("zone")
def zone_dossiers(request, code, scope):
    """Start the job that prints every firm's (or parcel's) dossier of the zone; its page shows the progress."""
    kind = "parcel" if request.POST.get("kind") == "parcel" else "enterprise"
    members = dossiers.zone_members(scope=scope, zone_code=code, kind=kind)  # NotFound outside the user's parks
    scope.require(kind)
    title = (gettext("%(zone)s 一地一档") if kind == "parcel" else gettext("%(zone)s 一企一档")) % {"zone": code}
    job = start_job(kind="report", title=title, user=request.user,
                    params={"zone": code, "kind": kind, "zip": request.POST.get("format") == "zip",
                            "count": len(members)})
    return redirect("web:job", job_id=job.pk)
