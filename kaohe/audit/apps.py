from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kaohe.audit"
    label = "audit"
    verbose_name = _("审计记录")

    def ready(self) -> None:
        from kaohe.audit import signals  # master data and account changes

        signals.register_words()
