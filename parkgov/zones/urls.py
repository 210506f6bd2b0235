"""Pages of 园区评价 (zone land accounts and the TD/T 1029 zone evaluation)."""

from django.urls import path

from parkgov.zones import green_views, views
from parkgov.zones.target_urls import urlpatterns as target_urlpatterns

app_name = "zones"
urlpatterns = [
    *target_urlpatterns,  # issue 16 §3: targets and key projects
    path("", views.index, name="index"),
    path("evaluate/", views.evaluate, name="evaluate"),
    path("compare/", views.compare, name="compare"),
    path("export.xlsx", views.ranking_export, name="ranking_export"),
    path("green/", green_views.green_index, name="green"),
    path("green/export.xlsx", green_views.green_export, name="green_export"),
    path("green/<int:year>/confirm/", green_views.green_confirm, name="green_confirm"),
    path("green/<stored:code>/<int:year>/", green_views.green_zone, name="green_zone"),
    path("green/<stored:code>/<int:year>/entry/", green_views.green_entry, name="green_entry"),
    path("<stored:code>/<int:year>/", views.zone_page, name="zone"),
    path("<stored:code>/<int:year>/export.xlsx", views.zone_export, name="zone_export"),
]
