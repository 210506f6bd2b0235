from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "parkgov.audit"
    verbose_name = "审计"

    def ready(self):
        from parkgov.audit import context, versions  # noqa: F401  connect the history signals
