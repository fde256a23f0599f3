"""The schemes' to-do entry (registered in kaohe.schemes.apps): the office's draft schemes to publish."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.accounts.permissions import is_office
from kaohe.notify.todo import Todo
from kaohe.schemes.models import SchemeRecord


def office_entries(user: User) -> list[Todo]:
    """Draft schemes to publish, with their errors and warnings. One query."""
    if not is_office(user):
        return []
    return [Todo(_("指标体系草稿“%(title)s”待发布（%(errors)d个错误，%(warnings)d个警告）") % {
        "title": scheme.title, "errors": scheme.errors, "warnings": scheme.warnings}, f"/schemes/{scheme.pk}/")
        for scheme in SchemeRecord.objects.filter(status=SchemeRecord.Status.DRAFT)]
