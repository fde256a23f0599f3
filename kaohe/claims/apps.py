from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "kaohe.claims"
    label = "claims"
    verbose_name = _("单位自评与佐证材料")
