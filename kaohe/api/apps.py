from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kaohe.api"
    label = "api"
    verbose_name = "JSON API"
