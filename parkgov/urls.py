"""URL configuration: the web pages, the REST API, the Chinese admin and the language switch."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from parkgov.web import converters
from parkgov.web.health import healthz

converters.register()  # before the web and API patterns that use <stored:…> are built

admin.site.site_header = _("园区管家 parkgov")
admin.site.site_title = _("园区管家")
admin.site.index_title = _("台账管理")

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # issue 18 §3: no login, no data
    path("", include("parkgov.web.urls")),
    path("ledger/", include("parkgov.ledger.urls")),  # issue 17 §2: parcel split and merge
    path("governance/", include("parkgov.governance.urls")),
    path("supply/", include("parkgov.supply.urls")),
    path("zones/", include("parkgov.reports.dispatch_urls")),  # issue 16 §3: the monthly dispatch report PDF
    path("zones/", include("parkgov.zones.urls")),
    path("reports/", include("parkgov.reports.urls")),  # issue 16 §4: PDF reports
    path("appeals/", include("parkgov.web.appeals_urls")),
    path("me/", include("parkgov.web.me_urls")),
    path("api/", include("parkgov.api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's 简体中文 / English switch
]

handler403 = "parkgov.web.views.error_403"
handler404 = "parkgov.web.views.error_404"
handler500 = "parkgov.web.views.error_500"
