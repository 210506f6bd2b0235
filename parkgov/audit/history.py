"""History records (django-simple-history) read without the `Model.history` descriptor.

Each access to `Model.history` or `instance.history` builds a new manager class (`from_queryset`, which inspects
every QuerySet method): 0.8 ms a time, measured, and a dossier asks for two to five histories on every view.
The historical model's own default manager gives the same rows.
"""

from functools import cache


@cache
def historical_model(model):
    """The historical model recording `model` (HistoricalParcel for Parcel …)."""
    return model.history.model


def history_records(model, **lookups):
    """The history rows of `model` matching `lookups`, as `model.history.filter(**lookups)` gives them; an
    instance's own history is `history_records(Model, <pk attname>=instance.pk)`."""
    return historical_model(model)._default_manager.filter(**lookups)
