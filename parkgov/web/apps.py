from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "parkgov.web"
    verbose_name = _("园区管家网页")
