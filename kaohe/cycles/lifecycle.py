"""Creating and moving cycles: draft → open for scoring → under review → locked.

Opening freezes the units and departments into the cycle and generates the scoring tasks: one
Score row for every (unit, item) where the item applies to the unit, owned by the item's first
department. Each transition is a transaction with its audit event.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.audit.record import record
from kaohe.core import text
from kaohe.cycles import unscored
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import Node, SchemeRecord


class CycleError(Refused):
    """A cycle operation the rules do not allow; the message is for the user. With `field` it is bad
    input there (invalid: 422 in the API), without one a step the cycle's state does not allow
    (a conflict: 409)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(Refused.INVALID if field else Refused.CONFLICT, message, field)


@transaction.atomic
def create_cycle(*, name: str, scheme: SchemeRecord, unit_codes: list[str], step: Decimal = Decimal("0.1"),
                 scoring_deadline: date | None = None, review_deadline: date | None = None,
                 self_assessment_deadline: date | None = None, objection_deadline: date | None = None,
                 item_departments: dict[str, str] | None = None, created_by=None) -> Cycle:
    """A draft cycle of `scheme` (published) for the units with these codes (active, in the
    scheme's audience). `item_departments` names departments for items the scheme leaves
    without one (`assign_departments`)."""
    try:
        name = text.clean(name, text.CYCLE_NAME)
    except text.TextError as error:
        raise CycleError(error.message(_), "name") from None
    if not name:
        raise CycleError(_("请填写考核周期的名称。"), "name")
    if not scheme.is_published:
        raise CycleError(_("只能用已发布的指标体系创建考核周期。"), "scheme")
    if Cycle.objects.filter(name=name).exists():
        raise CycleError(_("已有名为“%(name)s”的考核周期。") % {"name": name}, "name")
    if not Decimal(0) < step <= Decimal(1) or step != step.quantize(Decimal("0.01")):
        raise CycleError(_("评分步长必须大于0、不超过1，且最多两位小数。"), "step")
    if scoring_deadline and review_deadline and review_deadline < scoring_deadline:
        raise CycleError(_("审核截止日期不能早于评分截止日期。"), "review_deadline")
    units = list(Unit.objects.filter(code__in=unit_codes))
    unknown = sorted(set(unit_codes) - {u.code for u in units})
    if unknown:
        raise CycleError(_("未知的单位编码：%(codes)s") % {"codes": _("、").join(unknown)}, "units")
    inactive = [u.name for u in units if not u.active]
    if inactive:
        raise CycleError(_("这些单位已停用：%(units)s") % {"units": _("、").join(inactive)}, "units")
    if not units:
        raise CycleError(_("请至少选择一个被考核单位。"), "units")
    outside = [u.name for u in units if u.name not in scheme.core().units]
    if outside:
        raise CycleError(_("这些单位不在指标体系“%(scheme)s”的考核对象中：%(units)s") % {
            "scheme": scheme.name, "units": _("、").join(outside)}, "units")
    cycle = Cycle.objects.create(name=name, scheme=scheme, unit_codes=sorted(set(unit_codes)), step=step,
                                 scoring_deadline=scoring_deadline, review_deadline=review_deadline,
                                 self_assessment_deadline=self_assessment_deadline,
                                 objection_deadline=objection_deadline, created_by=created_by)
    record("cycle.create", "cycle", f"cycle:{cycle.pk}", cycle=cycle,
           new={"name": name, "scheme": scheme.name, "units": cycle.unit_codes, "step": str(step)})
    if item_departments:
        assign_departments(cycle, item_departments)
        cycle.refresh_from_db()
    return cycle


def default_unit_codes(scheme: SchemeRecord) -> list[str]:
    """The active units that name this scheme as their default (Unit.scheme_name): a new cycle's
    units unless the office chooses others."""
    return list(Unit.objects.filter(active=True, scheme_name=scheme.name).values_list("code", flat=True))


def _locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _move(cycle: Cycle, to: str, reason: str = "", action: str = "") -> None:
    old = cycle.status
    cycle.status = to
    cycle.save(update_fields=["status", "opened_at"] if to == Cycle.Status.OPEN else ["status"])
    record(f"cycle.{action or to}", "cycle", f"cycle:{cycle.pk}", cycle=cycle, old={"status": old},
           new={"status": to}, reason=reason)


def refresh_statistics() -> None:
    """On PostgreSQL, ANALYZE the tasks and the cycle's units once a cycle's tasks are made.

    Autovacuum analyzes a table only after a tenth of it changed: a new cycle of 80,000 tasks in a
    table that holds another cycle's 12 million is not noticed, and the planner, taking the new
    cycle for a third of the table, read the whole table for every grid page (6 s each, measured
    with the benchmark's cycles side by side). ANALYZE samples a fixed number of rows (a fraction
    of a second at any size) and sees the rows of its own transaction. SQLite keeps no statistics
    unless asked; its queries are written not to need them (kaohe.cycles.grid)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Score._meta.db_table}, {CycleUnit._meta.db_table}")


@transaction.atomic
def open_cycle(cycle: Cycle) -> int:
    """Freeze units and departments, generate the tasks; returns how many tasks were made."""
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.DRAFT:
        raise CycleError(_("只有草稿状态的考核周期可以开始评分。"))
    found = list(Unit.objects.filter(code__in=cycle.unit_codes))
    audience = cycle.scheme.core().units
    gone = sorted(set(cycle.unit_codes) - {u.code for u in found})
    changed = [u.name for u in found if not u.active or u.name not in audience]
    if gone or changed:  # master data changed since the draft was made (kaohe.directory)
        raise CycleError(_("被考核单位在创建考核周期后有变化（已删除、已停用或名称不在指标体系的考核对象中）："
                           "%(units)s。请恢复这些单位，或重新创建考核周期。") % {"units": _("、").join([*gone, *changed])})
    units = {u.name: u for u in found}
    order = {name: i for i, name in enumerate(audience)}
    frozen_units = {
        name: CycleUnit.objects.create(cycle=cycle, code=u.code, name=u.name, category=u.category,
                                       party_organisation=u.party_organisation, position=order.get(name, 0))
        for name, u in units.items()
    }
    leaves = list(cycle.scheme.nodes.filter(is_leaf=True).order_by("position"))
    owner = _owners(cycle, leaves)
    owners = sorted({owner[leaf.pk] for leaf in leaves if owner.get(leaf.pk) and set(leaf.units) & units.keys()})
    departments = {d.name: d for d in Department.objects.filter(name__in=owners, active=True)}
    missing = [name for name in owners if name not in departments]
    if missing:
        raise CycleError(_("这些考核部门不在考核部门名单中（或已停用），请先添加或启用：%(departments)s") % {
            "departments": _("、").join(missing)})
    frozen_departments = {
        name: CycleDepartment.objects.create(cycle=cycle, code=d.code, name=d.name, position=d.position)
        for name, d in departments.items()
    }
    Submission.objects.bulk_create([Submission(cycle=cycle, department=d) for d in frozen_departments.values()])
    tasks = [
        Score(cycle=cycle, unit=frozen_units[name], node=leaf, department=frozen_departments[owner[leaf.pk]])
        for leaf in leaves if owner.get(leaf.pk)
        for name in leaf.units if name in frozen_units
    ]
    Score.objects.bulk_create(tasks, batch_size=1000)
    refresh_statistics()
    cycle.opened_at = timezone.now()
    _move(cycle, Cycle.Status.OPEN)
    return len(tasks)


def _owners(cycle: Cycle, leaves: list[Node]) -> dict[int, str]:
    """Each leaf's scoring department's name: the scheme's first department, else the one the
    office assigned for this cycle (kaohe.cycles.unscored); leaves with neither are left out."""
    assigned = cycle.item_departments or {}
    names = dict(Department.objects.filter(code__in=set(assigned.values())).values_list("code", "name"))
    owners = {}
    for leaf in leaves:
        if leaf.owner:
            owners[leaf.pk] = leaf.owner
        elif assigned.get(leaf.code):
            if assigned[leaf.code] not in names:
                raise CycleError(_("为考核内容 %(item)s 指定的考核部门（编码 %(code)s）已不存在，请重新指定。") % {
                    "item": leaf.code, "code": assigned[leaf.code]})
            owners[leaf.pk] = names[assigned[leaf.code]]
    return owners


@transaction.atomic
def assign_departments(cycle: Cycle, assignments: dict[str, str]) -> dict[str, str]:
    """Name an assessing department (by code; "" removes it) for items the scheme leaves without
    one, for this cycle only, while it is a draft. Returns the cycle's assignments after the change."""
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.DRAFT:
        raise CycleError(_("考核周期已开始评分，不能再为考核内容指定考核部门。"))
    open_items = {leaf.code for leaf in unscored.candidates(cycle)}
    unknown = sorted(code for code in assignments if code not in open_items)
    if unknown:
        raise CycleError(_("这些考核内容不存在，或指标体系已为其指定考核部门：%(codes)s") % {"codes": _("、").join(unknown)},
                         "item_departments")
    wanted = {code: (department or "").strip() for code, department in assignments.items()}
    active = set(Department.objects.filter(code__in=[d for d in wanted.values() if d], active=True)
                 .values_list("code", flat=True))
    wrong = sorted({d for d in wanted.values() if d and d not in active})
    if wrong:
        raise CycleError(_("没有这些考核部门（或已停用）：%(codes)s") % {"codes": _("、").join(wrong)}, "item_departments")
    old = dict(cycle.item_departments or {})
    new = {**old, **wanted}
    new = {code: new[code] for code in sorted(new) if new[code]}
    if new != old:
        cycle.item_departments = new
        cycle.save(update_fields=["item_departments"])
        record("cycle.assign", "cycle", f"cycle:{cycle.pk}", cycle=cycle, old={"departments": old},
               new={"departments": new})
    return new


@transaction.atomic
def start_review(cycle: Cycle) -> None:
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.OPEN:
        raise CycleError(_("只有评分中的考核周期可以进入审核。"))
    _move(cycle, Cycle.Status.REVIEW)


@transaction.atomic
def lock_cycle(cycle: Cycle) -> None:
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.REVIEW:
        raise CycleError(_("只有审核中的考核周期可以锁定。"))
    pending = cycle.submissions.exclude(state=Submission.State.LOCKED).select_related("department")
    if pending:
        names = _("、").join(s.department.name for s in pending)
        raise CycleError(_("还有考核部门的评分未锁定：%(departments)s") % {"departments": names})
    _move(cycle, Cycle.Status.LOCKED)


@transaction.atomic
def reopen_cycle(cycle: Cycle, reason: str) -> None:
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.LOCKED:
        raise CycleError(_("只有已锁定的考核周期可以重新打开。"))
    try:
        reason = text.clean(reason, text.CYCLE_REOPEN_REASON)
    except text.TextError as error:
        raise CycleError(error.message(_), "reason") from None
    if not reason:
        raise CycleError(_("重新打开必须填写理由。"), "reason")
    _move(cycle, Cycle.Status.REVIEW, reason=reason, action="reopen")
