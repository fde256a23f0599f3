from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "kaohe.results"
    label = "results"
    verbose_name = _("考核结果")

    def ready(self) -> None:
        # Django's app loading: the audit words read the models, ready only now
        from kaohe.results import events

        events.register()
