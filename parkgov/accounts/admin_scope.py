"""Data scopes in the Django admin (后台): the same `Scope` that guards pages, API and exports decides here.

Django's admin normally asks model permissions (`ledger.change_parcel`). Those would be a second role table
to keep in step with data/roles.yaml, and they know nothing of parks or hidden fields. `ScopedAdminMixin`
therefore ignores model permissions and asks `scope_for(request.user)`: each ModelAdmin declares its domain
and how its rows reach a park, and the mixin derives from that the permissions, the rows, the fields, the
filters and the foreign-key choices. Superusers keep Django's behaviour (everything); staff without a role get
nothing.
"""

from functools import reduce
from operator import or_

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import ProtectedError, Q
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.audit.row_version import ROW_VERSION_FIELD, RowVersionAdminMixin, RowVersionForm
from parkgov.ledger.models import Zone
from parkgov.accounts.pages import request_scope

OUT_OF_SCOPE = _("记录不存在或不在您的数据范围内")


class ScopedModelForm(RowVersionForm):
    """Admin form: optimistic locking, and foreign-key choices limited to the user's parks.

    A restricted choice list keeps the stored record's current value, so a record that also points outside the
    user's parks (a finding on an in-park firm and an out-of-park parcel) can still be saved unchanged. Only the
    stored value counts: an add form's initial value comes from the URL (`?enterprise=<id>`) and is not kept.
    A park a restricted user must keep the record in is required when adding and while the record has one (a
    top-level park stays top-level).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self._editing_stored_row()
        for name, field in self.fields.items():
            if not getattr(field, "scope_restricted", False):
                continue
            current = getattr(self.instance, self._meta.model._meta.get_field(name).attname) if stored else None
            if current is not None:
                model = field.queryset.model
                field.queryset = model._default_manager.filter(Q(pk__in=field.queryset.values("pk")) | Q(pk=current))
            if getattr(field, "park_required", False) and (not stored or current is not None):
                field.required = True


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names a row only if it is among the form field's (scoped) choices.

    Django looks the label up in the whole table, so `?enterprise=<id>` on an add form would name any firm.
    The look-up is one query by primary key, whatever the size of the table.
    """

    def label_and_url_for_value(self, value):
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is None:
            return "", ""
        try:
            known = queryset.filter(**{self.rel.get_related_field().name: value}).exists()
        except (TypeError, ValueError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value) if known else ("", "")


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A foreign-key list filter offering only the related rows in the user's scope (not every park)."""

    def field_choices(self, field, request, model_admin):
        related = model_admin.admin_site._registry.get(field.remote_field.model)
        if not isinstance(related, ScopedAdminMixin):
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering,
                                 limit_choices_to=Q(pk__in=related.get_queryset(request).values("pk")))


class ScopedAdminMixin(RowVersionAdminMixin):
    """ModelAdmin mixin that applies the user's data scope to every admin page of the model.

    Declare on the ModelAdmin:
      scope_domain      the domain in roles.yaml (zone, parcel, enterprise, yearly, finding, evaluation, audit):
                        reading it opens the changelist and the read-only change page, writing it allows
                        `scoped_actions` (add, change, delete);
      zone_paths        lookups from the model to a zone id; a row is in scope when any of them is one of
                        the user's parks (none: the rows are not tied to a park);
      scope_rows        instead of zone_paths, the row function the ledger lists use (`parkgov.web.lists`),
                        so that the admin and the lists cannot disagree;
      full_view_fields  fields derived field by field from the figures (provenance, indicators): shown only
                        to users who see every field.
    Hidden fields (Scope.hidden_fields) leave forms, read-only displays, columns, filters, search, URL lookups
    and history diffs. A restricted user must keep records inside their parks: every foreign key into the
    park tree is limited to their parks (and required, see ScopedModelForm), raw-id inputs name only rows in
    scope, and a save that would leave the scope is refused.
    No `inlines`: an inline formset saves rows of another model without that model's scope check or row lock.
    """

    scope_domain = ""
    zone_paths: tuple = ()
    scope_rows = None
    scoped_actions = ("add", "change", "delete")
    full_view_fields: tuple = ()
    form = ScopedModelForm

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.inlines:
            raise ImproperlyConfigured(f"{type(self).__name__} declares inlines: ScopedAdminMixin does not allow "
                                       "them (an inline saves another model's rows without its scope or row lock)")

    # --- the scope -------------------------------------------------------------------------------------------

    def scope(self, request):
        """The user's Scope (worked out once per request by `request_scope`, as for pages); None without a role."""
        try:
            return request_scope(request)
        except PermissionDenied:
            return None

    def scope_fixed_values(self, scope) -> dict:
        """Fields a role may not choose, with the value the scope gives them (read-only, set on save)."""
        return {}

    def get_queryset(self, request):
        scope = self.scope(request)
        if scope is None:
            return self.model._default_manager.none()
        if self.scope_rows is not None:
            rows = self.scope_rows(scope=scope)
            ordering = self.get_ordering(request)
            return rows.order_by(*ordering) if ordering else rows
        rows = super().get_queryset(request)
        if scope.zone_ids is None or not self.zone_paths:
            return rows
        return reduce(or_, (scope.filter_zones(rows, path) for path in self.zone_paths))

    def in_scope(self, request, obj, *, fresh=False) -> bool:
        """Whether `obj` is one of the rows the user may see (cached per request unless `fresh`)."""
        seen = request.__dict__.setdefault("_parkgov_in_scope", {})
        key = (self.model._meta.label, obj.pk)
        if fresh or key not in seen:
            seen[key] = obj.pk is not None and self.get_queryset(request).filter(pk=obj.pk).exists()
        return seen[key]

    # --- permissions -----------------------------------------------------------------------------------------

    def has_module_permission(self, request):
        if request.user.is_superuser:
            return super().has_module_permission(request)
        scope = self.scope(request)
        return scope is not None and scope.can_read(self.scope_domain)

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        scope = self.scope(request)
        readable = scope is not None and scope.can_read(self.scope_domain)
        return (readable and self._object_allowed(request, obj)) or self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change", obj)

    def has_add_permission(self, request):
        return self._may(request, "add", None)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete", obj)

    def _may(self, request, action, obj):
        if request.user.is_superuser:
            return getattr(super(), f"has_{action}_permission")(request, *(() if action == "add" else (obj,)))
        scope = self.scope(request)
        return (scope is not None and action in self.scoped_actions and scope.can_write(self.scope_domain)
                and self._object_allowed(request, obj))

    def _object_allowed(self, request, obj):
        return obj is None or self.in_scope(request, obj)

    # --- hidden fields ---------------------------------------------------------------------------------------

    def hidden_fields(self, request) -> set:
        """Names on this model the user may not see, with the full-view fields if any figure is hidden."""
        scope = self.scope(request)
        if scope is None:
            return set()
        hidden = {f.name for f in self.model._meta.get_fields() if not scope.sees(f.name)}
        return hidden | set(self.full_view_fields) if scope.hidden_fields else hidden

    def _shows(self, request, name) -> bool:
        """Whether a column, filter, search field or lookup path touches no hidden field (here or related)."""
        if not isinstance(name, str):
            return True
        scope, hidden = self.scope(request), self.hidden_fields(request)
        return not any(part in hidden or (scope is not None and not scope.sees(part))
                       for part in name.lstrip("^=@").split("__"))

    def get_list_display(self, request):
        return [c for c in super().get_list_display(request) if self._shows(request, c)]

    def get_list_filter(self, request):
        shown = []
        for item in super().get_list_filter(request):
            if not self._shows(request, item if isinstance(item, str) else item[0]):
                continue
            field = self._local_field(item) if isinstance(item, str) else None
            shown.append((item, ScopedRelatedFilter) if field is not None and field.many_to_one else item)
        return shown

    def _local_field(self, name):
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:  # a lookup path or a method, not a field of this model
            return None

    def get_search_fields(self, request):
        return [f for f in super().get_search_fields(request) if self._shows(request, f)]

    def lookup_allowed(self, lookup, value, request=None):
        if request is not None and not self._shows(request, lookup):
            return False  # `?tax__gt=100` would otherwise reveal hidden figures by bisection
        return super().lookup_allowed(lookup, value, request)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *sorted(self.hidden_fields(request))]

    def get_readonly_fields(self, request, obj=None):
        fixed = self.scope_fixed_values(self.scope(request)) if self.scope(request) is not None else {}
        shown = [f for f in super().get_readonly_fields(request, obj) if self._shows(request, f)]
        return [*shown, *(name for name in fixed if name not in shown)]

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f == ROW_VERSION_FIELD or self._shows(request, f)]

    # --- foreign keys and saving -----------------------------------------------------------------------------

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = self.admin_site._registry.get(db_field.remote_field.model)
        restrict = isinstance(related, ScopedAdminMixin) and not request.user.is_superuser
        if restrict and "queryset" not in kwargs:
            kwargs["queryset"] = related.get_queryset(request)
        if db_field.name in self.raw_id_fields and "widget" not in kwargs:
            kwargs["widget"] = ScopedRawIdWidget(db_field.remote_field, self.admin_site, using=kwargs.get("using"))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        scope = self.scope(request)
        if isinstance(field, forms.ModelChoiceField) and restrict:
            field.scope_restricted = True
            if scope is not None and scope.zone_ids is not None and db_field.remote_field.model is Zone:
                field.park_required = True  # a restricted user cannot create a top-level park or leave their parks
        return field

    def save_model(self, request, obj, form, change):
        scope = self.scope(request)
        if scope is not None:
            for name, value in self.scope_fixed_values(scope).items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)
        if not request.user.is_superuser and not self.in_scope(request, obj, fresh=True):
            raise PermissionDenied(gettext("只能新增或修改本人负责园区内的记录"))  # the admin view's transaction rolls back

    # --- deleting ----------------------------------------------------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError as exc:  # a model-level guard, or a change since the confirmation page was checked
            return self._refused_delete(request, exc)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ProtectedError as exc:  # the bulk "delete selected" action, as above
            return self._refused_delete(request, exc)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):  # all or nothing, like the delete view
            super().delete_queryset(request, queryset)

    def _refused_delete(self, request, exc):
        self.message_user(request, str(exc.args[0]), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    # --- history (django-simple-history) ---------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the history of rows outside get_queryset(); only superusers may see those
        if not request.user.is_superuser and self.get_object(request, unquote(object_id)) is None:
            raise Http404(str(OUT_OF_SCOPE))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None and not request.user.is_superuser:
            raise Http404(str(OUT_OF_SCOPE))
        if request.method == "POST" and self.revert_disabled(request, obj):
            raise PermissionDenied(gettext("您无权恢复此记录的历史版本"))  # simple-history would save any POST
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        """Reverting writes every field of the old version, so only users who see and may change them all."""
        return (super().revert_disabled(request, obj) or not self.has_change_permission(request, obj)
                or bool(self.hidden_fields(request)))

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """simple-history's diffs of consecutive versions, without the fields the user may not see."""
        hidden = sorted(self.hidden_fields(request))
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(current, excluded_fields=hidden,
                                              foreign_keys_are_objs=foreign_keys_are_objs)
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

