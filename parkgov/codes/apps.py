from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesConfig(AppConfig):
    name = "parkgov.codes"
    verbose_name = _("代码标准")
