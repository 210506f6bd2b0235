"""Pages of 治理 (governance): findings, lists, 四个一批, cases. Each topic's views live in its own module."""

from django.urls import path  # noqa: F401  (each topic adds its patterns below)

app_name = "governance"
urlpatterns = [
]
