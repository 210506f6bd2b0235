"""Admin for user roles, for superusers only; edits are optimistically locked like every other admin form.

A profile's role and parks are its data scope, so only a superuser may view or change them (no user edits
their own). Clearing every park of a restricted profile widens the user's scope to the whole ledger; the form
asks the superuser to confirm that deliberately instead of treating an emptied list as an ordinary edit.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import role_choices
from parkgov.audit.row_version import RowVersionAdminMixin, RowVersionForm

CONFIRM_WHOLE_LEDGER = "confirm_whole_ledger"


class ProfileForm(RowVersionForm):
    """Role from roles.yaml (no free text); removing the last park needs the confirmation box ticked."""

    role = forms.ChoiceField(label=_("角色"), choices=role_choices)
    confirm_whole_ledger = forms.BooleanField(
        label=_("确认取消园区限定"), required=False,
        help_text=_("清空限定园区后，该用户可查看全部园区的台账"))

    class Meta:
        model = Profile
        exclude = ["api_token"]

    def clean(self):
        cleaned = super().clean()
        was_restricted = self._editing_stored_row() and self.instance.zones.exists()
        cleared = "zones" in cleaned and not cleaned["zones"]
        if was_restricted and cleared and not cleaned.get(CONFIRM_WHOLE_LEDGER):
            self.add_error("zones", _("清空限定园区后该用户将可查看全部台账；如确需如此，请勾选“确认取消园区限定”"))
        return cleaned


@admin.register(Profile)
class ProfileAdmin(RowVersionAdminMixin, admin.ModelAdmin):
    form = ProfileForm
    list_display = ["user", "role", "department"]
    list_filter = ["role"]
    filter_horizontal = ["zones"]
    exclude = ["api_token"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_fields(self, request, obj=None):
        """The confirmation box only where there is a restriction to remove."""
        fields = [f for f in super().get_fields(request, obj) if f != CONFIRM_WHOLE_LEDGER]
        if obj is not None and obj.zones.exists():
            fields.insert(fields.index("zones") + 1 if "zones" in fields else len(fields), CONFIRM_WHOLE_LEDGER)
        return fields
