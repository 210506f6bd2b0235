"""On PostgreSQL, a PostGIS geometry column for reference features derived from the stored WKB, with a GiST index
(like ledger 0002 for parcels and zones), so QGIS can show the layers and distance queries can run in the database.
On SQLite this migration does nothing."""

from django.db import migrations

TABLE = "governance_referencefeature"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN geom geometry(Geometry, 4490) "
        f"GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromWKB(geometry), 4490)) STORED")
    schema_editor.execute(f"CREATE INDEX {TABLE}_geom_gist ON {TABLE} USING GIST (geom)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS geom")


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial"), ("ledger", "0002_postgis_columns")]
    operations = [migrations.RunPython(forwards, backwards)]
