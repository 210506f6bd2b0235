from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "parkgov.supply"
    verbose_name = _("供地与准入")

    def ready(self):
        # Lower apps offer hooks and supply registers into them, one call per part, each in its own module.
        from parkgov.supply import map_data

        map_data.register_map_modes()  # the map's 承诺状态 and 闲置状态 modes (surfaces)

        from parkgov.supply import contract_sheet, idle_lists, quota

        contract_sheet.register()
        idle_lists.register()  # governance list 闲置土地 (idle branch)
        quota.register()  # landuse: credit a zone's quota when a restoration case is closed
