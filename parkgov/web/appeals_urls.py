"""Staff pages of 企业申诉 (/appeals/)."""

from django.urls import path

from parkgov.web import appeals_views as views

app_name = "appeals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:appeal_id>/", views.detail, name="detail"),
    path("evidence/<int:evidence_id>/", views.evidence, name="evidence"),
    path("reports/<int:report_id>/decide/", views.decide_report, name="decide_report"),
    path("accounts/", views.account_list, name="accounts"),
    path("publicity/", views.publicity, name="publicity"),
]
