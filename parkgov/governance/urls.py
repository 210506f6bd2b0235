"""Pages of 治理 (governance): findings, lists, 四个一批, cases. Each topic's views live in its own module."""

from django.urls import path

from parkgov.governance import disposition_views, layer_views

app_name = "governance"
urlpatterns = [
    path("layers/", layer_views.layers, name="layers"),
    path("dispositions/", disposition_views.dispositions, name="dispositions"),
    path("dispositions/<int:pk>/decide/", disposition_views.disposition_decide, name="disposition_decide"),
]
