from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpatialConfig(AppConfig):
    name = "parkgov.spatial"
    verbose_name = _("一张图")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from parkgov.spatial import qgis, topology_map

        topology_map.register_map_mode()  # issue 17 §1: the latest topology check's problems as a map layer
        # issue 17 §3: the QGIS views are dropped before and made again after every migrate (and flush)
        pre_migrate.connect(qgis.before_migrate, sender=self, dispatch_uid="spatial-qgis-drop")
        post_migrate.connect(qgis.after_migrate, sender=self, dispatch_uid="spatial-qgis-create")
