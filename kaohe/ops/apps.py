from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "kaohe.ops"
    label = "ops"
    verbose_name = _("运维")

    def ready(self) -> None:
        # Django's app loading: the deployment checks and the audit words register once the apps are loaded
        import kaohe.ops.checks  # noqa: F401  (registers the deployment checks)
        from kaohe.ops import events

        events.register()

