"""Pages of 治理 (governance): findings, lists, 四个一批, cases. Each topic's views live in its own module."""

from django.urls import path

from parkgov.governance import evidence_views

app_name = "governance"
urlpatterns = [
    path("attachments/<int:pk>/", evidence_views.attachment, name="attachment"),
]
