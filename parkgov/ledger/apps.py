from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "parkgov.ledger"
    verbose_name = _("一码管地台账")
