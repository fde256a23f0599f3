"""The words of the ledger's audit events: what each recorded action means to a person (the
entry's history on its page; the audit trail's pages read the same words once they are registered
with the trail's vocabulary)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "ledger.record": _("登记"),
    "ledger.edit": _("修改"),
    "ledger.confirm": _("确认"),
    "ledger.send_back": _("退回修改"),
    "ledger.void": _("作废"),
    "ledger.dispute": _("提出异议"),
    "ledger.answer": _("答复异议"),
    "ledger.close": _("办结异议"),
    "ledger.dispute_send_back": _("退回异议答复"),
    "ledger.import": _("从Excel导入台账"),
    "ledger.settings": _("设置台账异议期"),
    "ledger.accept": _("采纳台账建议"),
    "ledger.override": _("未采纳台账建议"),
    "evidence.upload": _("上传材料"),
}


def label(action: str) -> str:
    return str(ACTIONS.get(action, action))
