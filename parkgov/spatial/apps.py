from django.apps import AppConfig


class SpatialConfig(AppConfig):
    name = "parkgov.spatial"
    verbose_name = "一张图"
