from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpatialConfig(AppConfig):
    name = "parkgov.spatial"
    verbose_name = _("一张图")

    def ready(self):
        from parkgov.spatial import topology_map

        topology_map.register_map_mode()  # issue 17 §1: the latest topology check's problems as a map layer
