from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObjectionsConfig(AppConfig):
    name = "kaohe.objections"
    label = "objections"
    verbose_name = _("成绩异议")

    def ready(self) -> None:
        # Django's app loading: these modules import models, ready only now
        from kaohe.cycles import cockpit
        from kaohe.notify import todo
        from kaohe.objections import cockpit as objections_cockpit
        from kaohe.objections import events
        from kaohe.objections import todo as todo_sources

        events.register()
        cockpit.register_stage("objections", _("异议处理"), 50, objections_cockpit.objections_stage)
        cockpit.register_section("objections", 30, objections_cockpit.objections_section)

        todo.register(todo_sources.unit_entries)
        todo.register(todo_sources.department_entries)
