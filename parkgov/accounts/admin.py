from django.contrib import admin

from parkgov.accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "department"]
    list_filter = ["role"]
    filter_horizontal = ["zones"]
    exclude = ["api_token"]
