from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "parkgov.appeals"
    verbose_name = _("企业申诉")
