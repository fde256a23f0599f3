from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "kaohe.ledger"
    label = "ledger"
    verbose_name = _("平时考核台账")

    def ready(self) -> None:
        # Django's app loading: the modules registered here import models, ready only now
        from kaohe.cycles import cockpit, overview
        from kaohe.cycles.proposals import propose_from
        from kaohe.ledger import events
        from kaohe.ledger.cockpit import ledger_section
        from kaohe.ledger.overview import ledger_source
        from kaohe.ledger.proposals import SOURCE
        from kaohe.ledger.todo import ledger_todo
        from kaohe.notify import todo

        events.register()
        propose_from(SOURCE)
        todo.register(ledger_todo)
        overview.register("ledger", 30, ledger_source)
        cockpit.register_section("ledger", 35, ledger_section)
