"""PostgreSQL statistics on UPPER(name) of enterprises, for the list's name search (`name__icontains`).

Without them the planner guesses that `UPPER(name) LIKE '%厨具%'` matches a few dozen of 1,000,000 firms, sorts a
sequential scan of the whole table for the first page (290 ms) instead of walking the credit-code index until
it has 51 matches (22 ms). A trigram index cannot help: Chinese search words are often two characters, shorter
than a trigram. SQLite needs nothing (its planner already walks the index).
"""

from django.db import migrations

CREATE = ("CREATE STATISTICS IF NOT EXISTS ledger_enterprise_upper_name ON (UPPER(name::text)) "
          "FROM ledger_enterprise")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS ledger_enterprise_upper_name")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_list_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
