from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "kaohe.results"
    label = "results"
    verbose_name = _("考核结果")

    def ready(self) -> None:
        # Django's app loading: the audit words and the overview's source read the models, ready only now
        from kaohe.cycles import overview
        from kaohe.results import events
        from kaohe.results.overview import results_source

        events.register()
        overview.register("results", 20, results_source)
