from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "parkgov.audit"
    verbose_name = _("审计")

    def ready(self):
        from parkgov.audit import context, versions  # noqa: F401  connect the history signals
