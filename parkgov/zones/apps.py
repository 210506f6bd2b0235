from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "parkgov.zones"
    verbose_name = _("园区评价")

    def ready(self):
        from parkgov.zones import green_sheet, land_sheet

        land_sheet.register()
        green_sheet.register()
