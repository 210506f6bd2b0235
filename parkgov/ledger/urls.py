"""Pages of the ledger app: a parcel's split and merge (issue 17 §2)."""

from django.urls import path

from parkgov.ledger import views

app_name = "ledger"
urlpatterns = [
    path("parcels/<stored:code>/split/", views.split_page, name="split"),
    path("parcels/<stored:code>/merge/", views.merge_page, name="merge"),
]
