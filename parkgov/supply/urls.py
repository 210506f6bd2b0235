"""Pages of 供地与准入 (supply): applications and their joint review, contracts and 达产复核, idle land, control
indicators and 零增地, land quota. Each topic's views live in its own module."""

from django.urls import path

app_name = "supply"
urlpatterns: list = []

from parkgov.supply import contract_views  # noqa: E402  (each topic appends its own patterns)

urlpatterns += [
    path("contracts/", contract_views.contracts, name="contracts"),
    path("contracts/export/", contract_views.contracts_export, name="contracts_export"),
    path("contracts/<int:contract_id>/", contract_views.contract_detail, name="contract"),
    path("contracts/<int:contract_id>/edit/", contract_views.contract_edit, name="contract_edit"),
    path("reviews/start/", contract_views.review_start, name="review_start"),
    path("reviews/<int:run_id>/export/", contract_views.review_export, name="review_export"),
]
