"""URL configuration: the web pages, the REST API and the Chinese admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "园区管家 parkgov"
admin.site.site_title = "园区管家"
admin.site.index_title = "台账管理"

urlpatterns = [
    path("", include("parkgov.web.urls")),
    path("api/", include("parkgov.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "parkgov.web.views.error_403"
handler404 = "parkgov.web.views.error_404"
handler500 = "parkgov.web.views.error_500"
