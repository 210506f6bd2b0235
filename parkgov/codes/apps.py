from django.apps import AppConfig


class CodesConfig(AppConfig):
    name = "parkgov.codes"
    verbose_name = "代码标准"
