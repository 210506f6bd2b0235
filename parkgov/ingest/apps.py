from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "parkgov.ingest"
    verbose_name = _("数据交换")
