"""Pages of 治理 (governance): findings, lists, 四个一批, cases. Each topic's views live in its own module."""

from django.urls import path

from parkgov.governance import evidence_views, finding_views

app_name = "governance"
urlpatterns = [
    path("attachments/<int:pk>/", evidence_views.attachment, name="attachment"),
    path("findings/new/", finding_views.finding_new, name="finding_new"),
    path("findings/<int:pk>/", finding_views.finding_detail, name="finding"),
    path("findings/<int:pk>/edit/", finding_views.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/status/", finding_views.finding_status, name="finding_status"),
    path("findings/<int:pk>/evidence/", finding_views.finding_evidence, name="finding_evidence"),
]
