"""The words of the cycles' audit events (kaohe.audit.vocabulary): the cycle's states, the
departments' review steps and the scores, and the names of a cycle's units, departments and items
as their events' keys give them (`cycle:5/unit:yanshi/item:1.2.1.1`). Registered in CyclesConfig.ready()."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from django.utils.translation import gettext_lazy as _

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import Node

Pairs = Collection[tuple[int | None, str]]


def _by_cycle(pairs: Pairs) -> tuple[dict[int, set[str]], set[str]]:
    """The values asked for per cycle, and those asked for without a cycle (master data)."""
    in_cycles: dict[int, set[str]] = defaultdict(set)
    outside: set[str] = set()
    for cycle_id, value in pairs:
        if cycle_id is None:
            outside.add(value)
        else:
            in_cycles[cycle_id].add(value)
    return in_cycles, outside


def _frozen(model: type[CycleUnit] | type[CycleDepartment], master: type[Unit] | type[Department],
            pairs: Pairs) -> dict[tuple[int | None, str], str]:
    """Names of a cycle's frozen units or departments (`model`), or of the master data (`master`)
    for events without a cycle; the master's name also stands in before a cycle is opened."""
    in_cycles, outside = _by_cycle(pairs)
    codes = {code for values in in_cycles.values() for code in values} | outside
    names: dict[tuple[int | None, str], str] = {}
    if in_cycles:
        rows = model.objects.filter(cycle_id__in=in_cycles, code__in=codes).values_list("cycle_id", "code", "name")
        names.update({(cycle_id, code): name for cycle_id, code, name in rows})
    masters = dict(master.objects.filter(code__in=codes).values_list("code", "name"))
    for cycle_id, code in pairs:
        if (cycle_id, code) not in names and code in masters:
            names[(cycle_id, code)] = masters[code]
    return names


def unit_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    return _frozen(CycleUnit, Unit, pairs)


def department_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    return _frozen(CycleDepartment, Department, pairs)


def node_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    """"1.2.1.1 Title" of the nodes of each cycle's scheme (items and criteria alike)."""
    in_cycles, _outside = _by_cycle(pairs)
    if not in_cycles:
        return {}
    codes = {code for values in in_cycles.values() for code in values}
    schemes = dict(Cycle.objects.filter(pk__in=in_cycles).values_list("pk", "scheme_id"))
    rows = Node.objects.filter(scheme_id__in=set(schemes.values()), code__in=codes).values_list(
        "scheme_id", "code", "title")
    titles = {(scheme_id, code): title for scheme_id, code, title in rows}
    return {(cycle_id, code): f"{code} {titles[(schemes[cycle_id], code)]}"
            for cycle_id, code in pairs if cycle_id in schemes and (schemes[cycle_id], code) in titles}


def _source(value: object) -> object:
    """Where a score was saved: the grid, an offline sheet, the API, or an objection's answer."""
    labels = {"grid": _("评分表格"), "sheet": _("离线评分表"), "api": _("API"), "ledger": _("平时考核台账建议")}
    if isinstance(value, str) and value.startswith("objection:"):
        return _("异议答复（第%(number)s号异议）") % {"number": value.partition(":")[2]}
    return labels.get(value) if isinstance(value, str) else None


def register() -> None:
    actions({
        "cycle.create": _("创建考核周期"),
        "cycle.open": _("开始评分"),
        "cycle.review": _("进入审核"),
        "cycle.locked": _("锁定考核周期"),
        "cycle.reopen": _("重新打开考核周期"),
        "cycle.assign": _("为没有考核部门的考核内容指定考核部门"),
        "submission.submit": _("提交评分"),
        "submission.approve": _("部门负责人审核通过"),
        "submission.send_back": _("部门负责人退回"),
        "submission.return": _("考核办退回"),
        "submission.lock": _("考核办锁定"),
        "submission.reopen": _("考核办重新打开"),
        "score.update": _("评分"),
    })
    object_type("cycle", Cycle._meta.verbose_name, {
        "name": label_of(Cycle, "name"),
        "scheme": Field(label_of(Cycle, "scheme"), refers="scheme"),
        "units": Field(_("被考核单位"), refers="unit"),
        "step": label_of(Cycle, "step"),
        "status": Field(label_of(Cycle, "status"), choices=dict(Cycle.Status.choices)),
        "departments": _("本周期为考核内容指定的考核部门"),
    })
    object_type("submission", _("考核部门评分"), {
        "state": Field(label_of(Submission, "state"), choices=dict(Submission.State.choices)),
    })
    object_type("score", _("评分"), {
        "points": label_of(Score, "points"),
        "reason": _("扣分理由"),
        "version": Field(_("版本"), hidden=True),
        "source": Field(_("来源"), choices=_source),
    })
    key_part("unit", _("单位"), unit_names)
    key_part("department", _("考核部门"), department_names)
    key_part("item", _("考核内容"), node_names)
