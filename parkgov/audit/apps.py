from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "parkgov.audit"
    verbose_name = "审计"

    def ready(self):
        from parkgov.audit import context  # noqa: F401  connects the history signal
