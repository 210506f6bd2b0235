from django.urls import path

from parkgov.reports import views

app_name = "reports"
urlpatterns = [
    path("firm/<stored:credit_code>.pdf", views.enterprise_pdf, name="enterprise_pdf"),
    path("parcel/<stored:code>.pdf", views.parcel_pdf, name="parcel_pdf"),
    path("zone/<stored:code>/<int:year>/annual.pdf", views.annual_pdf, name="annual_pdf"),
    path("zone/<stored:code>/dossiers/", views.zone_dossiers, name="zone_dossiers"),
]
