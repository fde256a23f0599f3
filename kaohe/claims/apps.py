from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "kaohe.claims"
    label = "claims"
    verbose_name = _("单位自评与佐证材料")

    def ready(self) -> None:
        # Django's app loading: the modules registered here import models, ready only now
        from kaohe.claims import cockpit as claims_cockpit
        from kaohe.claims import events
        from kaohe.claims import todo as todo_sources
        from kaohe.claims.grid_claims import page_claims
        from kaohe.cycles import cockpit
        from kaohe.cycles.grid.data import show_claims_from
        from kaohe.notify import deadlines, todo

        events.register()
        cockpit.register_section("self_assessment", 20, claims_cockpit.self_assessment_section)

        todo.register(todo_sources.unit_entries)
        deadlines.register(todo_sources.self_assessment_reminders)
        show_claims_from(page_claims)
