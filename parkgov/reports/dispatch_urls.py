"""The monthly dispatch report PDF of a zone (issue 16 §3/§4), mounted under /zones/ by parkgov/urls.py (zones may
not import reports, so its page links here by name)."""

from django.urls import path

from parkgov.reports import dispatch_views

urlpatterns = [
    path("<stored:code>/dispatch/<int:year>/<int:month>/report.pdf", dispatch_views.dispatch_report_download,
         name="zone_dispatch_report"),
]
