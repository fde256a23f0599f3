"""django-axes (the log-in lock-out) under a Chinese name in the Django admin; its models and
fields are translated by kaohe/locale/zh_Hans (third-party strings)."""

from __future__ import annotations

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("登录保护")
