"""The words of the ledger's audit events (kaohe.audit.vocabulary): what each recorded action
means to a person, the entry's fields, and the names of entries as their events' keys give them
(`cycle:5/unit:yanshi/ledger:12`). Registered in LedgerConfig.ready(); the entry's own page reads
the same labels (`label`)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.ledger.models import Dispute, Entry, LedgerSettings, StandingsNotice

ACTIONS = {
    "ledger.record": gettext_lazy("登记"),
    "ledger.edit": gettext_lazy("修改"),
    "ledger.confirm": gettext_lazy("确认"),
    "ledger.send_back": gettext_lazy("退回修改"),
    "ledger.void": gettext_lazy("作废"),
    "ledger.dispute": gettext_lazy("提出异议"),
    "ledger.answer": gettext_lazy("答复异议"),
    "ledger.close": gettext_lazy("办结异议"),
    "ledger.dispute_send_back": gettext_lazy("退回异议答复"),
    "ledger.import": gettext_lazy("从Excel导入台账"),
    "ledger.settings": gettext_lazy("设置台账异议期"),
    "ledger.accept": gettext_lazy("采纳台账建议"),
    "ledger.override": gettext_lazy("未采纳台账建议"),
    "ledger.notice": gettext_lazy("填写季度通报"),
}
TRAIL_ACTIONS = {  # as the audit trail lists them, among every app's actions
    "ledger.record": gettext_lazy("登记台账记录"),
    "ledger.edit": gettext_lazy("修改台账记录"),
    "ledger.confirm": gettext_lazy("确认台账记录"),
    "ledger.send_back": gettext_lazy("退回台账记录"),
    "ledger.void": gettext_lazy("作废台账记录"),
    "ledger.dispute": gettext_lazy("对台账记录提出异议"),
    "ledger.answer": gettext_lazy("答复台账异议"),
    "ledger.close": gettext_lazy("办结台账异议"),
    "ledger.dispute_send_back": gettext_lazy("退回台账异议的答复"),
    "ledger.import": gettext_lazy("从Excel导入台账"),
    "ledger.settings": gettext_lazy("设置台账异议期"),
    "ledger.accept": gettext_lazy("采纳台账建议"),
    "ledger.override": gettext_lazy("未采纳台账建议"),
    "ledger.notice": gettext_lazy("填写季度通报"),
}


def label(action: str) -> str:
    """An action as the entry's history shows it."""
    return str(ACTIONS.get(action, action))


def entry_names(pairs: Collection[tuple[int | None, str]]) -> dict[tuple[int | None, str], str]:
    """"第12号台账记录（2018-03-12 扣分）" for the entries the keys name. One query."""
    ids = {int(value) for _cycle, value in pairs if value.isdigit()}
    kinds = dict(Entry.Kind.choices)
    found = {pk: (day, kind) for pk, day, kind in Entry.objects.filter(pk__in=ids).values_list("pk", "date", "kind")}
    return {(cycle_id, value): _("第%(number)s号台账记录（%(date)s %(kind)s）") % {
        "number": value, "date": found[int(value)][0].isoformat(), "kind": kinds.get(found[int(value)][1], "")}
        for cycle_id, value in pairs if value.isdigit() and int(value) in found}


def register() -> None:
    actions(TRAIL_ACTIONS)
    object_type("ledger", Entry._meta.verbose_name, {
        "kind": Field(label_of(Entry, "kind"), choices=dict(Entry.Kind.choices)),
        "date": label_of(Entry, "date"),
        "points": label_of(Entry, "points"),
        "reason": label_of(Entry, "reason"),
        "document": label_of(Entry, "document"),
        "item": Field(label_of(Entry, "task"), refers="item"),
        "state": Field(label_of(Entry, "state"), choices=dict(Entry.State.choices)),
        "source": Field(gettext_lazy("来源"), choices={"page": gettext_lazy("页面"), "api": gettext_lazy("API"),
                                                       "import": gettext_lazy("Excel导入"),
                                                       "command": gettext_lazy("命令行导入")}),
        "files": gettext_lazy("材料数"),
        "entries": gettext_lazy("台账记录条数"),
        "decision": Field(label_of(Dispute, "decision"), choices=dict(Dispute.Decision.choices)),
        "answer": label_of(Dispute, "answer"),
    })
    object_type("ledger_settings", LedgerSettings._meta.verbose_name, {
        "dispute_days": label_of(LedgerSettings, "dispute_days"),
    })
    object_type("ledger_notice", StandingsNotice._meta.verbose_name, {
        name: label_of(StandingsNotice, name) for name in ("issuer", "number", "title", "recipients", "copies",
                                                           "printer", "day", "opening", "closing")})
    key_part("quarter", gettext_lazy("季度"))
    object_type("score", None, {
        "entries": gettext_lazy("所依据的台账记录条数"),
        "proposal": gettext_lazy("台账建议得分"),
    })
    key_part("ledger", gettext_lazy("台账记录"), entry_names)
