"""History records (django-simple-history) read without the `Model.history` descriptor.

Each access to `Model.history` or `instance.history` builds a new manager class (`from_queryset`, which inspects
every QuerySet method): 0.8 ms a time, measured, and a dossier asks for two to five histories on every view.
The historical model's own default manager gives the same rows.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router


@cache
def historical_model(model):
    """The historical model recording `model` (HistoricalParcel for Parcel …)."""
    return model.history.model


def history_records(model, **lookups):
    """The history rows of `model` matching `lookups`, as `model.history.filter(**lookups)` gives them; an
    instance's own history is `history_records(Model, <pk attname>=instance.pk)`."""
    return historical_model(model)._default_manager.filter(**lookups)


def newest_records(model, column: str, values, *, limit: int) -> list:
    """The newest `limit` history rows of `model` whose `column` (a field's column, e.g. "id", "parcel_id") is one
    of `values`, newest first, each with `user_name`: the acting user's full name, else the username, else "".

    One statement written out (a raw query): building the same SELECT through the ORM with the user joined took
    0.9 ms of CPU a history against 0.25 ms (measured on PostgreSQL), and a dossier reads two to five histories.
    """
    values = list(values)
    if not values:
        return []
    history = historical_model(model)
    connection = connections[router.db_for_read(history)]
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(values))
    user = get_user_model()._meta
    sql = (f"SELECT h.*, u.{quote('first_name')} AS user_first_name, u.{quote('last_name')} AS user_last_name, "
           f"u.{quote('username')} AS user_username FROM {quote(history._meta.db_table)} h "
           f"LEFT JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = h.{quote('history_user_id')} "
           f"WHERE h.{quote(column)} IN ({marks}) "
           f"ORDER BY h.{quote('history_date')} DESC, h.{quote('history_id')} DESC LIMIT %s")
    records = list(history._default_manager.raw(sql, [*values, limit]))
    for record in records:
        full_name = f"{record.user_first_name or ''} {record.user_last_name or ''}".strip()  # as get_full_name()
        record.user_name = full_name or record.user_username or ""
    return records
