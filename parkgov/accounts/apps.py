from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.db.models.signals import pre_delete


class AccountsConfig(AppConfig):
    name = "parkgov.accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from parkgov.accounts.models import refuse_deleting_a_restricting_park
        from parkgov.ledger.models import Zone

        pre_delete.connect(refuse_deleting_a_restricting_park, sender=Zone, dispatch_uid="parkgov.accounts.zone_delete")
