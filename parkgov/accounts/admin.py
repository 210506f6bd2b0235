"""Admin for user roles. Account management stays with Django's model permissions (in practice superusers);
edits are optimistically locked like every other admin form."""

from django.contrib import admin

from parkgov.accounts.models import Profile
from parkgov.audit.row_version import RowVersionAdminMixin


@admin.register(Profile)
class ProfileAdmin(RowVersionAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "department"]
    list_filter = ["role"]
    filter_horizontal = ["zones"]
    exclude = ["api_token"]
