from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "parkgov.evaluation"
    verbose_name = _("亩均效益综合评价")

    def ready(self):
        from parkgov.evaluation.json_text import read_json_as_text

        connection_created.connect(read_json_as_text, dispatch_uid="parkgov.evaluation.json_text")
