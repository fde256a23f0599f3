from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kaohe.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        # Django's app loading: the audit words read the models, ready only now
        from kaohe.accounts import events

        events.register()
