"""Pages of 供地与准入 (supply): applications and their joint review, contracts and 达产复核, idle land, control
indicators and 零增地, land quota. Each topic's views live in its own module."""

from django.urls import path

from parkgov.supply import views

app_name = "supply"
urlpatterns: list = [
    path("", views.index, name="index"),
]
