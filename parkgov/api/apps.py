from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "parkgov.api"
    verbose_name = "接口"
