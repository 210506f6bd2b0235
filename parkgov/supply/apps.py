from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "parkgov.supply"
    verbose_name = _("供地与准入")

    def ready(self):
        from parkgov.supply import quota

        quota.register()  # landuse: credit a zone's quota when a restoration case is closed
