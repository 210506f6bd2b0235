"""A cheap fingerprint of the stored data, for caches of figures computed from whole tables.

Every ledger write and every class adjustment records a history row (django-simple-history, and the bulk
writer writes the same rows, ADR 0001), so the newest history row of each table changes whenever a record of
it changes. Evaluation runs are stored without history rows, so the newest run id is part of the fingerprint.
One query, whatever the size of the tables.
"""

from django.db import connection
from django.utils import timezone


def data_version(*models) -> tuple:
    """(newest evaluation run id, today, newest history row `id@date` of each model) — changes with the data."""
    from parkgov.evaluation.models import EvaluationRun

    probes = [f"(SELECT MAX(id) FROM {EvaluationRun._meta.db_table})"]
    probes += [f"(SELECT history_id || '@' || history_date FROM {m.history.model._meta.db_table} "
               f"ORDER BY history_id DESC LIMIT 1)" for m in models]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(probes)}")
        newest_run, *newest_rows = cursor.fetchone()
    return (newest_run, timezone.localdate(), *newest_rows)
