"""A cheap fingerprint of the stored data, for caches of figures computed from whole tables.

Two parts, because neither alone is enough:
- the newest history row of each table: every ledger write and every class adjustment records one
  (django-simple-history, and the bulk writer writes the same rows, ADR 0001); evaluation runs are stored
  without history rows, so the newest run id is included too;
- a change token per table, set when a transaction that wrote the table commits (`note_change`, called by the
  history signal and by `ledger.bulk.insert_rows`). On PostgreSQL ids are handed out at insert, not at commit: a
  long import that started before a quick edit commits after it with smaller history ids, which the first part
  misses. Per table, so a finding or a yearly figure written does not make the map's tiles and parcel table
  (which read parcels, parks, land links and results) stale in every worker: rebuilding the table takes seconds
  at 1,666,667 parcels.
One query and one cache read, whatever the size of the tables.
"""

import hashlib
import uuid
from functools import lru_cache

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import post_create_historical_record

# + the table's name. "~" sorts after every other key: when the cache table is full, Django's database cache culls
# the alphabetically first third of its keys, and a lost token would bring an older data version back.
CHANGE_TOKEN_KEY = "parkgov:~data-change-token:"


def note_change(table: str) -> None:
    """`table` is being written: once the surrounding transaction commits, `data_version()` of its model (or of
    the model it records the history of) is a new value."""
    transaction.on_commit(lambda: cache.set(CHANGE_TOKEN_KEY + table, uuid.uuid4().hex, timeout=None))


@receiver(post_create_historical_record)
def _history_written(sender, **kwargs):
    note_change(sender._meta.db_table)  # the sender is the historical model


def data_version(*models) -> tuple:
    """(change tokens of the models' tables and history tables, newest evaluation run id, today, newest history
    row `id@date` of each model)."""
    with connection.cursor() as cursor:
        cursor.execute(_probes(models))
        newest_run, *newest_rows = cursor.fetchone()
    keys = _token_keys(models)
    tokens = cache.get_many(keys)
    return (tuple(tokens.get(key) for key in keys), newest_run, timezone.localdate(), *newest_rows)


@lru_cache(maxsize=16)
def _token_keys(models: tuple) -> list:
    return [CHANGE_TOKEN_KEY + table for m in models for table in (m._meta.db_table, m.history.model._meta.db_table)]


@lru_cache(maxsize=16)
def _probes(models: tuple) -> str:
    """The query (built once per set of models: history managers are slow to reach)."""
    from parkgov.evaluation.models import EvaluationRun

    probes = [f"(SELECT MAX(id) FROM {EvaluationRun._meta.db_table})"]
    probes += [f"(SELECT history_id || '@' || history_date FROM {m.history.model._meta.db_table} "
               f"ORDER BY history_id DESC LIMIT 1)" for m in models]
    return f"SELECT {', '.join(probes)}"


def models_read(sql: str) -> tuple | None:
    """The models whose tables the compiled query `sql` names (in its joins and its subqueries), for
    `data_version`; None when one of them keeps no history (its writes leave no trace that `data_version` sees),
    except the evaluation runs, whose newest id `data_version` names."""
    found = []
    for model in _versioned_tables():
        if f'"{model._meta.db_table}"' in sql:
            if not hasattr(model, "history"):
                if model._meta.label != "evaluation.EvaluationRun":
                    return None
                continue
            found.append(model)
    return tuple(found)


@lru_cache(maxsize=1)
def _versioned_tables() -> list:
    return sorted((m for m in apps.get_models() if not m._meta.label.split(".")[1].startswith("Historical")),
                  key=lambda m: m._meta.label)


def cached_for_query(queryset, *, name: str, extra=(), compute, timeout: int = 24 * 3600):
    """`compute()` for the rows of `queryset`, kept in Django's cache under the query (its SQL and parameters:
    filters, scope, today's date, thresholds) and the `data_version` of every table the query reads, so that a
    write to any of them, or a new evaluation run, is a new key. The version is read before computing: a write
    committed meanwhile can only make a newer result sit under the older key, never an older one under the new.
    A query reading a table that keeps no history is computed every time."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (`id__in=[]`): no query to run, nothing to keep
        return compute()
    models = models_read(sql)
    if models is None:
        return compute()
    seen = (name, extra, sql, params, data_version(*models))
    key = f"parkgov:{name}:" + hashlib.sha256(repr(seen).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=timeout)
    return found
