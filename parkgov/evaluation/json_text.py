"""A JSON column kept as checked text (`json`) on PostgreSQL instead of `jsonb`, for values written in bulk and read
whole.

PostgreSQL turns each `jsonb` value into its binary form on the way in, every number into a `numeric`: an
evaluation's per-indicator numbers (seven indicators × five numbers for each of 100,000 firms) took 2.1 s to COPY
into `jsonb` and 1.5 s into `json` (bench/evaluate_e2e.py's store.insert, issue 17 §4). `json` only checks the text
and keeps it as written, key order included (as SQLite does). Key and index lookups (`indicators__tax_per_mu__value`,
PostgreSQL's `->` and `#>`) work on both; the jsonb-only lookups (`contains`, `contained_by`, `has_key`,
`has_keys`, `has_any_keys`) and equality, DISTINCT or GROUP BY on the whole value do not: such a column is read, not
searched. SQLite stores JSONField as text in any case and is unchanged.
"""

from django.db import models


class JSONTextField(models.JSONField):
    """JSONField stored as `json` on PostgreSQL (see the module docstring); values read and written as JSONField's."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)


def read_json_as_text(sender, connection, **kwargs):
    """Have psycopg hand `json` values over as text, as Django has it do for `jsonb`: JSONField decodes the text
    itself (with the field's decoder), and a frame read through `fetch_frame` keeps the text as it is. Connected to
    `connection_created` by the app's ready()."""
    if connection.vendor == "postgresql":
        from psycopg.types.string import TextLoader

        connection.connection.adapters.register_loader("json", TextLoader)

