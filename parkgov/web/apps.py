from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "parkgov.web"
    verbose_name = "园区管家网页"
