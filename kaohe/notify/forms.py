"""The user's own notification settings: the e-mail address and whether to receive e-mail."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kaohe.accounts.models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "email_notifications"]
        labels = {"email": _("电子邮箱")}
        help_texts = {"email_notifications": _("关闭后，通知仍显示在本页，但不再发送邮件。")}
