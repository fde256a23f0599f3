from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyclesConfig(AppConfig):
    name = "kaohe.cycles"
    label = "cycles"
    verbose_name = _("考核周期")

    def ready(self) -> None:
        # Django's app loading: these modules import models, ready only now
        from kaohe.cycles import cockpit, events, overview, overview_progress, stages
        from kaohe.cycles import todo as todo_sources
        from kaohe.notify import deadlines, todo

        events.register()
        cockpit.register_stage("draft", _("准备"), 10, stages.draft_stage)
        cockpit.register_stage("scoring", _("评分"), 20, stages.scoring_stage)
        cockpit.register_stage("review", _("审核"), 30, stages.review_stage)
        cockpit.register_section("departments", 10, stages.departments_section)
        cockpit.register_section("unscored", 50, stages.unscored_section)
        todo.register(todo_sources.office_entries)
        todo.register(todo_sources.department_entries)
        deadlines.register(todo_sources.scoring_reminders)
        overview.register("progress", 10, overview_progress.progress_source)
