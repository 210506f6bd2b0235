from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "parkgov.evaluation"
    verbose_name = _("亩均效益综合评价")
