"""A user's department role and, where assigned, the parks the user is restricted to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkgov.ledger.models import Zone


class Profile(models.Model):
    """Role (department) of a user; an empty `zones` means the whole ledger."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="profile")
    role = models.CharField(_("角色"), max_length=32)
    department = models.CharField(_("部门"), max_length=32, blank=True)
    zones = models.ManyToManyField(Zone, verbose_name=_("限定园区"), blank=True, related_name="+")
    api_token = models.CharField(_("接口令牌（SHA-256）"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")

    def __str__(self):
        return f"{self.user} · {self.role}"
