"""Pages of 治理 (governance): findings, lists, 四个一批, cases. Each topic's views live in its own module."""

from django.urls import path

from parkgov.governance import disposition_views, layer_views, list_views

app_name = "governance"
urlpatterns = [
    path("", list_views.index, name="index"),
    path("lists/generate/", list_views.generate, name="lists_generate"),
    path("lists/export.xlsx", list_views.year_export, name="lists_export"),
    path("lists/<int:run_id>/", list_views.run_page, name="list"),
    path("lists/<int:run_id>/export.xlsx", list_views.run_export, name="list_export"),
    path("layers/", layer_views.layers, name="layers"),
    path("dispositions/", disposition_views.dispositions, name="dispositions"),
    path("dispositions/suggest/", disposition_views.disposition_suggest, name="disposition_suggest"),
    path("dispositions/<int:pk>/decide/", disposition_views.disposition_decide, name="disposition_decide"),
]
