from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "kaohe.survey"
    label = "survey"
    verbose_name = _("民主测评")

    def ready(self) -> None:
        # Django's app loading: the to-do module imports models, ready only now
        from kaohe.notify import todo
        from kaohe.survey import events
        from kaohe.survey import todo as todo_sources

        events.register()
        todo.register(todo_sources.office_entries)
        todo.register(todo_sources.unit_entries)
