"""The cycles' own part of the cockpit (kaohe.cycles.cockpit), registered in kaohe.cycles.apps:

- the stages 准备 (a draft: open it), 评分 (open: start the review; approved departments may be
  locked already) and 审核 (lock the approved departments at once, wait for the others, then lock
  the cycle), each one query for any number of cycles;
- the sections 各考核部门 (each department's tasks, scored tasks and submission state) and
  未计分的考核内容 (kaohe.cycles.unscored: items without an assessing department).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kaohe.core.points import format_points
from kaohe.cycles.cockpit import Action, Section, Step
from kaohe.cycles.models import Cycle, Submission
from kaohe.cycles.progress import department_progress
from kaohe.cycles.unscored import Unscored, unscored
from kaohe.orgs.models import Department


def _states(cycles: Sequence[Cycle]) -> dict[int, list[tuple[str, str]]]:
    """Per cycle: (department name, submission state) in the departments' order. One query."""
    rows: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for cycle_id, name, state in (Submission.objects.filter(cycle__in=[c.pk for c in cycles])
                                  .order_by("cycle", "department__position", "department__code")
                                  .values_list("cycle", "department__name", "state")):
        rows[cycle_id].append((name, state))
    return rows


def _waiting_for(states: list[tuple[str, str]], *done: str) -> tuple[str, ...]:
    labels = dict(Submission.State.choices)
    return tuple(_("%(department)s：%(state)s") % {"department": name, "state": labels[state]}
                 for name, state in states if state not in done)


def _lock_approved(cycle: Cycle, count: int) -> Action:
    return Action(ngettext("锁定已审核通过的%(count)d个考核部门", "锁定已审核通过的%(count)d个考核部门", count) % {"count": count},
                  reverse("cycles:review_lock_approved", args=[cycle.pk]),
                  confirm=_("锁定后，这些考核部门的评分不能再修改，除非重新打开。确定一次锁定这%(count)d个考核部门吗？") % {
                      "count": count})


def draft_stage(cycles: Sequence[Cycle]) -> dict[int, Step]:
    steps = {}
    for cycle in cycles:
        if cycle.status == Cycle.Status.DRAFT:
            blockers = () if cycle.unit_codes else (_("尚未选择被考核单位。"),)
            steps[cycle.pk] = Step("open", _("开始评分：固定被考核单位和考核部门，生成评分任务"), Action(
                _("开始评分"), reverse("cycles:open", args=[cycle.pk]),
                confirm=_("开始评分后，被考核单位和考核部门将被固定，并生成评分任务。确定开始评分吗？")), blockers)
    return steps


def scoring_stage(cycles: Sequence[Cycle]) -> dict[int, Step]:
    held = [cycle for cycle in cycles if cycle.status == Cycle.Status.OPEN]
    states = _states(held) if held else {}
    steps = {}
    for cycle in held:
        counts = Counter(state for _, state in states[cycle.pk])
        approved = counts[Submission.State.APPROVED]
        busy = _waiting_for(states[cycle.pk], Submission.State.APPROVED, Submission.State.LOCKED)
        notes = (ngettext("%(count)d个考核部门尚未完成评分和部门审核。", "%(count)d个考核部门尚未完成评分和部门审核。",
                          len(busy)) % {"count": len(busy)},) if busy else (_("各考核部门的评分均已通过部门审核。"),)
        steps[cycle.pk] = Step(
            "start_review", _("进入审核：评分期结束，考核办审核锁定各部门的评分"),
            Action(_("进入审核"), reverse("cycles:start_review", args=[cycle.pk]),
                   confirm=_("确定让考核周期进入审核吗？")), notes=notes,
            secondary=(_lock_approved(cycle, approved),) if approved else ())
    return steps


def review_stage(cycles: Sequence[Cycle]) -> dict[int, Step]:
    held = [cycle for cycle in cycles if cycle.status == Cycle.Status.REVIEW]
    states = _states(held) if held else {}
    steps = {}
    for cycle in held:
        counts = Counter(state for _, state in states[cycle.pk])
        approved = counts[Submission.State.APPROVED]
        waiting = _waiting_for(states[cycle.pk], Submission.State.APPROVED, Submission.State.LOCKED)
        if approved:
            steps[cycle.pk] = Step("lock_approved", _("锁定已审核通过的考核部门"), _lock_approved(cycle, approved),
                                   blockers=waiting)
        elif waiting:
            steps[cycle.pk] = Step("wait_departments", _("等待考核部门完成评分并经部门负责人审核"), None, waiting)
        else:
            steps[cycle.pk] = Step("lock", _("锁定考核周期：各考核部门的评分均已锁定"), Action(
                _("锁定考核周期"), reverse("cycles:lock", args=[cycle.pk]),
                confirm=_("锁定后评分不能再修改，除非重新打开。确定锁定吗？")))
    return steps


# ----------------------------------------------------------------------------- sections


def departments_section(cycle: Cycle) -> Section | None:
    if cycle.status == Cycle.Status.DRAFT:
        return None
    rows = department_progress(cycle)
    data = {"departments": [{"code": r.code, "name": r.name, "tasks": r.tasks, "scored": r.scored, "state": r.state,
                             "state_label": r.state_label} for r in rows]}
    lines = tuple(f"{r.name}\t{r.state_label}\t{r.scored}/{r.tasks}" for r in rows)
    return Section("departments", _("各考核部门"), "cycles/cockpit_departments.html", data, lines, {"rows": rows})


def unscored_section(cycle: Cycle) -> Section | None:
    found = unscored(cycle)
    if not found and not found.assigned:
        return None
    data = found.as_json()
    lines = [_("%(code)s %(title)s（%(points)s分）没有考核部门，不计分") % {
        "code": i.code, "title": i.title[:30], "points": format_points(i.points)} for i in found.items]
    lines += [_("%(units)s：满分%(scored)s分（指标体系可得%(reachable)s分）") % {
        "units": units_text(m.units, 1000), "scored": format_points(m.scored), "reachable": format_points(m.reachable)}
        for m in found.maxima]
    names = dict(Department.objects.filter(code__in=set(found.assigned.values())).values_list("code", "name")) \
        if found.assigned else {}
    return Section("unscored", _("未计分的考核内容"), "cycles/cockpit_unscored.html", data, tuple(lines), {
        "found": found, "draft": cycle.status == Cycle.Status.DRAFT,
        "maxima": maxima_rows(found),
        "assigned": [(code, names.get(department, department)) for code, department in found.assigned.items()]})


def maxima_rows(found: Unscored) -> list[dict[str, str]]:
    """The lowered maxima as the pages show them."""
    return [{"units": units_text(m.units), "scored": format_points(m.scored), "reachable": format_points(m.reachable)}
            for m in found.maxima]


def units_text(names: Sequence[str], shown: int = 6) -> str:
    """偃师市、孟津县、… — the first `shown` names, and how many there are in all when there are more."""
    if len(names) <= shown:
        return pgettext("between names", "、").join(names)
    return _("%(names)s等%(count)d个单位") % {"names": pgettext("between names", "、").join(names[:shown]),
                                          "count": len(names)}
