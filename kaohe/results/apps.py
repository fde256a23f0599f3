from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "kaohe.results"
    label = "results"
    verbose_name = _("考核结果")

    def ready(self) -> None:
        # Django's app loading: these modules import models, ready only now
        from kaohe.cycles import cockpit, overview
        from kaohe.results import cockpit as results_cockpit
        from kaohe.results import events
        from kaohe.results.overview import results_source

        events.register()
        overview.register("results", 20, results_source)
        cockpit.register_stage("publish", _("发布结果"), 40, results_cockpit.publish_stage)
        cockpit.register_section("results", 40, results_cockpit.versions_section)
