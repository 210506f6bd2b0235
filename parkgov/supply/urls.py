"""Pages of 供地与准入 (supply): applications and their joint review, contracts and 达产复核, idle land, control
indicators and 零增地, land quota. Each topic's views live in its own module."""

from django.urls import path

from parkgov.supply import landuse_views

app_name = "supply"
urlpatterns: list = []
# landuse: control indicators, 零增地, land quota
urlpatterns += [
    path("control/", landuse_views.control_page, name="control"),
    path("control/export.xlsx", landuse_views.control_export, name="control_export"),
    path("renovations/", landuse_views.renovations_page, name="renovations"),
    path("renovations/new/", landuse_views.renovation_new, name="renovation_new"),
    path("renovations/<int:pk>/edit/", landuse_views.renovation_edit, name="renovation_edit"),
    path("quota/", landuse_views.quota_page, name="quota"),
    path("quota/transfer/", landuse_views.quota_transfer, name="quota_transfer"),
    path("quota/transfers/<int:pk>/decide/", landuse_views.quota_decide, name="quota_decide"),
    path("quota/<stored:code>/", landuse_views.quota_account, name="quota_account"),
    path("quota/<stored:code>/debit/", landuse_views.quota_debit, name="quota_debit"),
]
