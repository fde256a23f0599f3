from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObjectionsConfig(AppConfig):
    name = "kaohe.objections"
    label = "objections"
    verbose_name = _("成绩异议")

    def ready(self) -> None:
        # Django's app loading: the to-do and reminder modules import models, ready only now
        from kaohe.notify import todo
        from kaohe.objections import events
        from kaohe.objections import todo as todo_sources

        events.register()
        todo.register(todo_sources.unit_entries)
        todo.register(todo_sources.department_entries)
        todo.register(todo_sources.office_entries)
