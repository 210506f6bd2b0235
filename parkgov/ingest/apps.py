from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "parkgov.ingest"
    verbose_name = "数据交换"
