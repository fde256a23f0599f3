from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "kaohe.schemes"
    label = "schemes"
    verbose_name = "指标体系"
