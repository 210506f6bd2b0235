"""A user's department role and, where assigned, the parks the user is restricted to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _

from parkgov.ledger.models import Zone


class Profile(models.Model):
    """Role (department) of a user; an empty `zones` means the whole ledger.

    Because no park means every park, a park that restricts a profile cannot be deleted (see
    `refuse_deleting_a_restricting_park`): its many-to-many rows would vanish with it and widen the user's scope
    to the whole ledger.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="profile")
    role = models.CharField(_("角色"), max_length=32)
    department = models.CharField(_("部门"), max_length=32, blank=True)
    zones = models.ManyToManyField(Zone, verbose_name=_("限定园区"), blank=True, related_name="+")
    api_token = models.CharField(_("接口令牌（SHA-256）"), max_length=64, blank=True, db_index=True)
    # issue 16 §5: an enterprise account (role `enterprise`) is bound to one firm and sees only it
    enterprise = models.ForeignKey("ledger.Enterprise", verbose_name=_("绑定企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="accounts")

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")

    def __str__(self):
        return f"{self.user} · {self.role}"


def profiles_restricted_to(zones):
    """The profiles restricted to any of `zones` (Zone rows, ids or a queryset), with their users."""
    return Profile.objects.filter(zones__in=zones).select_related("user").distinct().order_by("user__username")


def refuse_deleting_a_restricting_park(sender, instance, **kwargs):
    """pre_delete of a Zone (any delete path): ProtectedError while the park restricts a profile."""
    restricted = list(profiles_restricted_to([instance.pk]))
    if restricted:
        users = "、".join(profile.user.get_username() for profile in restricted)
        message = gettext("园区 %(zone)s 是用户 %(users)s 的限定园区，不能删除；请先由管理员调整这些用户的限定园区")
        raise models.ProtectedError(message % {"zone": instance.code, "users": users}, set(restricted))
