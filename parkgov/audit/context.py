"""Who is acting, and why, for changes made outside a web request (CLI, import, demo build, jobs).

django-simple-history records every create/update/delete; in a request it takes the user from the
request, elsewhere from this context. Use it as:

    with acting_as(user, reason="导入 年度数据.xlsx"):
        ...
"""

import contextvars
import getpass
from contextlib import contextmanager

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_actor = contextvars.ContextVar("parkgov_actor", default=None)
_reason = contextvars.ContextVar("parkgov_reason", default="")


@contextmanager
def acting_as(user, *, reason=""):
    """Attribute changes inside the block to `user` with `reason`."""
    token_actor = _actor.set(user)
    token_reason = _reason.set(reason)
    try:
        yield
    finally:
        _actor.reset(token_actor)
        _reason.reset(token_reason)


def current_actor():
    """The user set by `acting_as`, or None."""
    return _actor.get()


def current_reason():
    """The reason set by `acting_as`, or ''."""
    return _reason.get()


def history_user(instance, request=None, **kwargs):
    """`get_user` for HistoricalRecords: explicit instance user, then context, then the request's user."""
    explicit = getattr(instance, "_history_user", None)
    if explicit is not None:
        return explicit
    actor = current_actor()
    if actor is not None:
        return actor
    if request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return request.user
    return None


@receiver(pre_create_historical_record)
def _add_reason(sender, history_instance, **kwargs):
    if not history_instance.history_change_reason and current_reason():
        history_instance.history_change_reason = current_reason()


def system_user(name=None):
    """The account that stands for a command-line operator (`cli:<os user>`), created on first use."""
    from django.contrib.auth import get_user_model

    username = name or f"cli:{_os_user()}"
    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_active": False, "first_name": "命令行"}
    )
    return user


def _os_user():
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"
