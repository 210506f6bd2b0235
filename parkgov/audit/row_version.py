"""Optimistic locking for edit forms of any model, without a version column or a migration.

When a form for a stored row is rendered it carries a token: the time and an HMAC of the row as stored (every
column and many-to-many link). On submit the row is locked (`select_for_update()`) inside the caller's
transaction and fingerprinted again; if it differs, someone saved in between and the submit is refused with
who and when (from the change history) instead of silently overwriting their change. The HMAC uses the
secret key, so a user cannot recover a field hidden from them (e.g. `tax`) by hashing guesses.

Rows with their own version counter (EvaluationResult.version, see `evaluation.services.adjust_class`) are
covered too: the counter is a column, so it is part of the fingerprint.
"""

import datetime as dt
import json
import time

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import router, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from parkgov.errors import ConflictError

ROW_VERSION_FIELD = "row_version"
_SALT = "parkgov.audit.row_version"


def row_version(*, model, pk) -> str:
    """The token for a form showing the stored row `pk` now ('' if the row does not exist)."""
    digest = _fingerprint(model, pk)
    return "" if digest is None else f"{int(time.time() * 1000)}.{digest}"


def check_row_version(*, model, pk, token: str) -> None:
    """Lock row `pk` for the rest of the caller's transaction; ConflictError if it changed since `token`."""
    current = _fingerprint(model, pk, lock=True)
    if current is None:
        raise ConflictError(gettext("此记录已在您打开后被他人删除，请返回列表"))
    rendered_ms, _dot, digest = (token or "").partition(".")
    if not rendered_ms.isdigit() or not digest:
        raise ConflictError(gettext("表单缺少版本信息，请刷新页面后重新修改"))
    if not constant_time_compare(digest, current):
        raise ConflictError(_conflict_message(model, pk, rendered_ms))


def _fingerprint(model, pk, *, lock=False):
    rows = model._base_manager.filter(pk=pk)
    if lock:
        rows = rows.select_for_update()
    row = rows.values_list(*[f.attname for f in model._meta.concrete_fields]).first()
    if row is None:
        return None
    links = [sorted(v for v in model._base_manager.filter(pk=pk).values_list(f.name, flat=True) if v is not None)
             for f in model._meta.many_to_many]
    payload = json.dumps([list(row), links], default=_plain, sort_keys=True, ensure_ascii=False)
    return salted_hmac(_SALT, payload, algorithm="sha256").hexdigest()


def _plain(value):
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return str(value)


def _conflict_message(model, pk, rendered_ms) -> str:
    try:
        since = dt.datetime.fromtimestamp(int(rendered_ms) / 1000, tz=dt.UTC)
    except (OverflowError, ValueError, OSError):  # a tampered token: still a conflict, just without names
        since = None
    record = _change_since(model, pk, since) if since is not None else None
    if record is None:
        return gettext("此记录已在您打开后被他人修改（修改人和时间不详），请刷新后重新修改")
    user = record.history_user
    who = (f"{user.get_full_name()}（{user.get_username()}）" if user.get_full_name() else user.get_username()) \
        if user is not None else gettext("系统")
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M:%S")
    return gettext("此记录已在您打开后被他人修改（%(who)s，%(when)s），请刷新后重新修改") % {"who": who, "when": when}


def _change_since(model, pk, since):
    """The latest history record of the row after `since`, if the model keeps history."""
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    if manager is None:
        return None
    return (getattr(model, manager).filter(**{model._meta.pk.attname: pk}, history_date__gt=since)
            .select_related("history_user").order_by("-history_date").first())


class RowVersionForm(forms.ModelForm):
    """A model form that refuses to save over a change made since it was rendered (see the module docstring).

    The check runs in `clean()`, so it needs the transaction that will save: Django's admin change view has
    one; other callers must wrap validation and save in `transaction.atomic()`.
    """

    row_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._editing_stored_row() and not self.is_bound:
            self.initial[ROW_VERSION_FIELD] = row_version(model=self._meta.model, pk=self.instance.pk)

    def _editing_stored_row(self) -> bool:
        return self.instance.pk is not None and not self.instance._state.adding

    def clean(self):
        cleaned = super().clean()
        if self._editing_stored_row():
            try:
                check_row_version(model=self._meta.model, pk=self.instance.pk,
                                  token=self.data.get(self.add_prefix(ROW_VERSION_FIELD), ""))
            except ConflictError as exc:
                raise ValidationError(str(exc), code="conflict") from exc
        return cleaned


class RowVersionAdminMixin:
    """ModelAdmin mixin: every change form (and simple-history's revert form) is optimistically locked."""

    form = RowVersionForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not issubclass(form, RowVersionForm):
            raise ImproperlyConfigured(f"{type(self).__name__}.form must subclass RowVersionForm (optimistic locking)")
        return form

    def get_fields(self, request, obj=None):
        """The hidden token goes on forms that can save a stored row, last (it renders as a hidden row)."""
        fields = [f for f in super().get_fields(request, obj) if f != ROW_VERSION_FIELD]
        if obj is not None and self.has_change_permission(request, obj):
            fields.append(ROW_VERSION_FIELD)
        return fields

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a revert without a transaction; the row lock needs one
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)
