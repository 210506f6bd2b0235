from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "parkgov.supply"
    verbose_name = _("供地与准入")

    def ready(self):
        from parkgov.supply import contract_sheet, idle_lists

        contract_sheet.register()
        idle_lists.register()  # governance list 闲置土地 (idle branch)
