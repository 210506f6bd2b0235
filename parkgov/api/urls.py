"""REST API (django-ninja); endpoints are registered in parkgov.api.api."""

from django.urls import path

from parkgov.api.api import api

urlpatterns = [path("", api.urls)]
