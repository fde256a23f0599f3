from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kaohe.audit"
    label = "audit"
    verbose_name = "审计记录"

    def ready(self) -> None:
        from kaohe.audit import signals  # noqa: F401  (master data and account changes)
