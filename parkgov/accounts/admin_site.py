"""The admin site (后台), open only to data stewards and superusers (issue 13).

Which roles are data stewards is data: `admin_site: true` in parkgov/accounts/data/roles.yaml. Everyone else is
staff only so that the same account works on the pages; the admin treats them as not authorised and sends them to
its login page.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class ParkgovAdminSite(AdminSite):
    """Django's admin site whose door is `may_enter_admin`."""

    def has_permission(self, request):
        from parkgov.accounts.scopes import may_enter_admin  # this module is loaded with the app registry

        return may_enter_admin(request.user)


class ParkgovAdminConfig(AdminConfig):
    """Installs `ParkgovAdminSite` as `django.contrib.admin.site`."""

    default_site = "parkgov.accounts.admin_site.ParkgovAdminSite"
