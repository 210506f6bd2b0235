from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "parkgov.jobs"
    verbose_name = "后台任务"
