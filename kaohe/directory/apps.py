from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "kaohe.directory"
    label = "directory"
    verbose_name = _("用户与单位管理")
