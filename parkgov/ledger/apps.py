from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "parkgov.ledger"
    verbose_name = "一码管地台账"
