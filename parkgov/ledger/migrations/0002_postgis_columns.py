"""On PostgreSQL, add PostGIS geometry columns derived from the stored WKB, with GiST indexes.

The columns are generated (STORED), so they always equal the WKB that Django writes; QGIS can connect to
them and tiles can be cut in the database. On SQLite this migration does nothing.
"""

from django.db import migrations

TABLES = ("ledger_parcel", "ledger_zone")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN geom geometry(Geometry, 4490) "
            f"GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromWKB(geometry), 4490)) STORED")
        schema_editor.execute(f"CREATE INDEX {table}_geom_gist ON {table} USING GIST (geom)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS geom")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
