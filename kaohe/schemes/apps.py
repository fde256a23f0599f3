from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchemesConfig(AppConfig):
    name = "kaohe.schemes"
    label = "schemes"
    verbose_name = _("指标体系")

    def ready(self) -> None:
        # Django's app loading: the to-do and reminder modules import models, ready only now
        from kaohe.notify import todo
        from kaohe.schemes import events
        from kaohe.schemes import todo as todo_sources

        events.register()
        todo.register(todo_sources.office_entries)
