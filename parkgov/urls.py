"""URL configuration: the Chinese admin for now; the web platform comes with issue 4."""

from django.contrib import admin
from django.urls import path

admin.site.site_header = "园区管家 parkgov"
admin.site.site_title = "园区管家"
admin.site.index_title = "台账管理"

urlpatterns = [
    path("admin/", admin.site.urls),
]
