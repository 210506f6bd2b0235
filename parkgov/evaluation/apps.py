from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "parkgov.evaluation"
    verbose_name = "亩均效益综合评价"
