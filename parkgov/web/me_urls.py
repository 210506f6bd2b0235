"""The enterprise's own pages (/me/)."""

from django.urls import path

from parkgov.web import me

app_name = "me"
urlpatterns = [
    path("", me.overview, name="overview"),
    path("appeals/new/", me.appeal_new, name="appeal_new"),
    path("appeals/<int:appeal_id>/", me.appeal, name="appeal"),
    path("report/", me.report, name="report"),
    path("dossier.pdf", me.dossier, name="dossier"),
]
