from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyclesConfig(AppConfig):
    name = "kaohe.cycles"
    label = "cycles"
    verbose_name = _("考核周期")

    def ready(self) -> None:
        # Django's app loading: the to-do and reminder modules import models, ready only now
        from kaohe.cycles import events, overview, overview_progress
        from kaohe.cycles import todo as todo_sources
        from kaohe.notify import deadlines, todo

        events.register()
        todo.register(todo_sources.office_entries)
        todo.register(todo_sources.department_entries)
        deadlines.register(todo_sources.scoring_reminders)
        overview.register("progress", 10, overview_progress.progress_source)
