"""On PostgreSQL: typed geometry for QGIS and the read-only views of schema `qgis` (parkgov/spatial/qgis.py).

ledger_parcel.geom and ledger_zone.geom become geometry(MultiPolygon, 4490) (still generated from the stored WKB,
re-indexed), so that QGIS and geometry_columns see MultiPolygon / EPSG:4490 instead of "Unknown"; then the views
qgis."地块" and qgis."企业地块" are created. The read-only role is made by `parkgov qgis role`. On SQLite this
migration does nothing (QGIS reads the GPKG exports there).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from parkgov.spatial import qgis

    with schema_editor.connection.cursor() as cursor:
        qgis.type_geometry(cursor)
        qgis.create_views(cursor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from parkgov.spatial import qgis

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {qgis.SCHEMA} CASCADE")
        qgis.type_geometry(cursor, typed=False)


class Migration(migrations.Migration):
    dependencies = [("spatial", "0001_topology_checks"), ("ledger", "0007_governance_fields"),
                    ("evaluation", "0003_result_review_reason"), ("governance", "0002_layers_postgis"),
                    ("supply", "0002_landuse_quota_transfer")]
    operations = [migrations.RunPython(forwards, backwards)]
