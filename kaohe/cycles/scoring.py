"""The scoring rules, in one place for the grid, the Excel upload and the API.

`save_score(user, cycle, unit_code, item_code, points, reason, version)`:
- the (unit, item) must be one of the cycle's tasks (else NOT_FOUND: not applicable);
- the user must score or head the department that owns it (else FORBIDDEN);
- the cycle must be open or under review and the department's submission a draft (else CLOSED);
- points: empty (clears the score) or a decimal between 0 and the item's maximum, in the cycle's
  step, with no more places than the step has (else INVALID); a reason is required below full marks;
- `version` must be the score's current version (else CONFLICT, with the current value): the
  update is a compare-and-set on the version, so two people saving at once never lose an update.

A save is three statements in one transaction (docs/decisions/2026-11-25-grid-pages-and-api-load.md):
one read of the task with everything the checks need (`load_task`: the score, its unit, item and
department, the cycle's status and step, the user's department and the submission's state, the
latter under FOR KEY SHARE on PostgreSQL), the compare-and-set UPDATE on the version, and the
audit INSERT. The checks then run on what was read, without a query of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.accounts.models import DEPARTMENT_ROLES, User
from kaohe.audit.record import record
from kaohe.core import text
from kaohe.core.points import PointsError, format_points, optional_points, parse_typed
from kaohe.cycles.models import SCORING, Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.orgs.models import Department
from kaohe.schemes.models import Node

SCORE_UPDATE = "score.update"  # the audit action of every change to a score (kaohe.audit.replay replays them)
_SCORE_KEY = re.compile(r"^cycle:(?P<cycle>\d+)/unit:(?P<unit>[^/]+)/item:(?P<item>[^/]+)$")


class ScoreError(Refused):
    """What the scoring rules refuse; `current` is the stored Score a conflict is with."""


@dataclass(frozen=True)
class Entry:
    """What a user asked to save, as typed."""

    points: str
    reason: str
    version: int


@dataclass(frozen=True)
class Facts:
    """What `load_task` read with the score, so that the checks need no query of their own."""

    cycle: Cycle  # the cycle given, or (given its id) one with only id, status and step loaded
    status: str  # the cycle's status and step as stored now
    step: Decimal
    owned: bool  # the user scores or heads the score's department
    state: str | None  # the department's submission's state (under FOR KEY SHARE on PostgreSQL)


def parse_score(text: str | Decimal | None, maximum: Decimal, step: Decimal) -> Decimal | None:
    """Points as a user typed them for a task (or a claim, or an objection's answer): None when
    empty, else a decimal between 0 and `maximum` in the cycle's `step` (two places); INVALID
    otherwise. Text is read by the one rule for typed points (`kaohe.core.points.parse_typed`:
    full-width digits, "。" as the decimal point); a Decimal (a JSON number) as it is.
    (kaohe.core.points.parse_points reads a scheme's points, which have no step.)"""
    if text is None:
        return None
    if isinstance(text, float) or isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise ScoreError(ScoreError.INVALID, _("得分必须是十进制数字。"), "points")
    if isinstance(text, str):
        try:
            value = parse_typed(text)
        except PointsError as error:
            raise ScoreError(ScoreError.INVALID, typed_message(text, error), "points") from None
        if value is None:
            return None
    else:
        value = Decimal(text)
    if not value.is_finite():
        raise ScoreError(ScoreError.INVALID, _("得分“%(text)s”不是数字。") % {"text": text}, "points")
    if value < 0 or value > maximum:  # first: quantize() fails on huge values such as 1e400
        raise ScoreError(ScoreError.INVALID, _("得分必须在0到%(maximum)s分之间。") % {
            "maximum": format_points(maximum)}, "points")
    places = max(0, -int(step.normalize().as_tuple().exponent))
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ScoreError(ScoreError.INVALID, _("得分最多%(places)d位小数。") % {"places": places}, "points")
    if value % step != 0:
        raise ScoreError(ScoreError.INVALID, _("得分必须是%(step)s分的整数倍。") % {
            "step": format_points(step)}, "points")
    return value.quantize(Decimal("0.01"))


def typed_message(text: str, error: PointsError) -> str:
    """The user's message, in their language, for typed points `parse_typed` refused."""
    shown = text.strip()
    shown = shown if len(shown) <= 20 else shown[:20] + "…"
    if error.kind == PointsError.COMMA:
        return _("得分“%(text)s”不是数字：小数点请用“.”或“。”，不用逗号。") % {"text": shown}
    return _("得分“%(text)s”不是数字。") % {"text": shown}


def check_can_edit(facts: Facts) -> None:
    """FORBIDDEN unless the user's department scores the task; CLOSED unless the cycle is open or
    under review and the department's submission a draft. No query: the facts were read before
    (`load_task` for one task, `department_facts` for a department's sheet)."""
    if not facts.owned:
        raise ScoreError(ScoreError.FORBIDDEN, _("这一项不由您所在的考核部门评分。"))
    if facts.status not in SCORING:
        raise ScoreError(ScoreError.CLOSED, _("考核周期%(status)s，不能修改评分。") % {
            "status": dict(Cycle.Status.choices).get(facts.status, facts.status)})
    if facts.state != Submission.State.DRAFT:
        label = dict(Submission.State.choices).get(facts.state or "", facts.state)
        raise ScoreError(ScoreError.CLOSED, _("本部门的评分已%(state)s，不能修改；如需修改请退回。") % {"state": label})


def department_facts(cycle: Cycle, department: CycleDepartment) -> Facts:
    """The facts about a department the user scores for (as `scoring_department` found it): the
    cycle's status and step as loaded, the submission's state read now. One query."""
    return Facts(cycle=cycle, status=cycle.status, step=cycle.step, owned=True,
                 state=submission_state(department.pk))


def submission_state(department_id: int) -> str | None:
    """The state of the department's submission, read now. On PostgreSQL, inside a transaction,
    under a FOR KEY SHARE lock, which a submit, approve or lock (they take FOR UPDATE) waits for and
    which waits for them, while saves do not block each other: inside a save's transaction, a save
    that passed this check lands before the department is submitted, or is refused. SQLite's write
    transactions (IMMEDIATE) already run one at a time, so a state read inside one holds.
    (`load_task` reads the same state, under the same lock, with the task.)"""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" and connection.in_atomic_block else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state FROM {Submission._meta.db_table} WHERE department_id = %s{lock}",
                       [department_id])
        row = cursor.fetchone()
    return row[0] if row else None


# The task and everything its checks need, in one statement. The unit (by its code, unique in the
# cycle) and the item (by its code, unique in the cycle's scheme) are found by scalar subqueries
# and the rest is read by primary key, so PostgreSQL plans a 3-table join, not a 5-table one
# (planning the 5-table join cost more CPU than running it).
_SCORE_FIELDS = [field.attname for field in Score._meta.concrete_fields]
_TASK_SQL = """
SELECT {score}, u.name, n.parent_id, n.title, n.criterion_code, n.points,
       (SELECT d.code FROM {cycle_department} d WHERE d.id = s.department_id),
       (SELECT c.status FROM {cycle} c WHERE c.id = s.cycle_id),
       (SELECT c.step FROM {cycle} c WHERE c.id = s.cycle_id),
       (SELECT od.code FROM {department} od WHERE od.id = %s),
       (SELECT sub.state FROM {submission} sub WHERE sub.department_id = s.department_id {lock})
FROM {score_table} s
JOIN {unit} u ON u.id = s.unit_id
JOIN {node} n ON n.id = s.node_id
WHERE s.cycle_id = %s
  AND s.unit_id = (SELECT cu.id FROM {unit} cu WHERE cu.cycle_id = %s AND cu.code = %s)
  AND s.node_id = (SELECT sn.id FROM {node} sn WHERE sn.code = %s
                   AND sn.scheme_id = (SELECT sc.scheme_id FROM {cycle} sc WHERE sc.id = %s))
"""
# (model, field) of each column, for the database's converters (SQLite hands back decimals as
# floats and times as text; PostgreSQL needs none)
_TASK_COLUMNS = [(Score, name) for name in _SCORE_FIELDS] + [
    (CycleUnit, "name"), (Node, "parent_id"), (Node, "title"), (Node, "criterion_code"), (Node, "points"),
    (CycleDepartment, "code"), (Cycle, "status"), (Cycle, "step"), (Department, "code"), (Submission, "state")]
_converters: dict[str, list[tuple[int, list[Any], Any]]] = {}
_task_sqls: dict[str, str] = {}
_attnames: dict[type, list[str]] = {}


def _task_sql() -> str:
    sql = _task_sqls.get(connection.vendor)
    if sql is None:
        sql = _task_sqls[connection.vendor] = _build_task_sql()
    return sql


def _build_task_sql() -> str:
    tables = {name: model._meta.db_table for name, model in [
        ("score_table", Score), ("cycle", Cycle), ("unit", CycleUnit), ("node", Node),
        ("cycle_department", CycleDepartment), ("department", Department), ("submission", Submission)]}
    # FOR KEY SHARE only on PostgreSQL (see submission_state); it locks the submission row alone
    lock = "FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    return _TASK_SQL.format(score=", ".join(f"s.{name}" for name in _SCORE_FIELDS), lock=lock, **tables)


def _convert(row: tuple) -> list[Any]:
    """The row's values as the ORM would give them (the database's converters, computed once)."""
    converters = _converters.get(connection.alias)
    if converters is None:
        converters = []
        for index, (model, name) in enumerate(_TASK_COLUMNS):
            column = model._meta.get_field(name).get_col(model._meta.db_table)  # type: ignore[union-attr]  # concrete
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if functions:
                converters.append((index, functions, column))
        _converters[connection.alias] = converters
    values = list(row)
    for index, functions, column in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return values


def _partial(model: type[Model], **values: Any) -> Any:
    """An instance of `model` with only these fields loaded (the others load when first read)."""
    names = _attnames.get(model)
    if names is None:
        names = _attnames[model] = [field.attname for field in model._meta.concrete_fields]
    loaded = [name for name in names if name in values]  # in the model's order, as from_db wants
    return model.from_db(connection.alias, loaded, [values[name] for name in loaded])


def load_task(user: User | None, cycle: Cycle | int, unit_code: str, item_code: str) -> tuple[Score, Facts]:
    """The (unit, item) task of the cycle, with its unit, node and department, and the facts the
    checks need, in one query. NOT_FOUND when the item does not apply to the unit (or either is
    unknown). Call inside the save's transaction: the submission's state is read under its lock."""
    cycle_id = cycle if isinstance(cycle, int) else cycle.pk
    department_id = user.department_id if user is not None and user.is_authenticated else None
    with connection.cursor() as cursor:
        cursor.execute(_task_sql(), [department_id, cycle_id, cycle_id, unit_code, item_code, cycle_id])
        row = cursor.fetchone()
    if row is None:
        raise ScoreError(ScoreError.NOT_FOUND, _("考核内容 %(item)s 不适用于单位 %(unit)s，或不存在。") % {
            "item": item_code, "unit": unit_code})
    values = _convert(row)
    count = len(_SCORE_FIELDS)
    # (the codes are the ones asked for: both databases compare text exactly)
    (unit_name, parent_id, node_title, criterion_code, maximum, department_code, status, step, user_department_code,
     state) = values[count:]
    score = Score.from_db(connection.alias, _SCORE_FIELDS, values[:count])
    score.unit = _partial(CycleUnit, id=score.unit_id, cycle_id=cycle_id, code=unit_code, name=unit_name)
    score.node = _partial(Node, id=score.node_id, parent_id=parent_id, code=item_code, title=node_title,
                          points=maximum, criterion_code=criterion_code)
    score.department = _partial(CycleDepartment, id=score.department_id, cycle_id=cycle_id, code=department_code)
    loaded: Cycle = cycle if isinstance(cycle, Cycle) else _partial(Cycle, id=cycle_id, status=status, step=step)
    owned = (user is not None and user.is_authenticated and user.role in DEPARTMENT_ROLES
             and user_department_code is not None and user_department_code == department_code)
    return score, Facts(cycle=loaded, status=status, step=step, owned=owned, state=state)


def find_score(cycle: Cycle | int, unit_code: str, item_code: str) -> Score:
    """The (unit, item) task of the cycle with its unit, node and department (NOT_FOUND if none)."""
    return load_task(None, cycle, unit_code, item_code)[0]


def validate(score: Score, step: Decimal, entry: Entry) -> tuple[Decimal | None, str]:
    maximum = score.node.points or Decimal(0)
    points = parse_score(entry.points, maximum, step)
    try:
        reason = text.clean(entry.reason, text.SCORE_REASON)
    except text.TextError as error:
        raise ScoreError(ScoreError.INVALID, error.message(_), "reason") from None
    if points is not None and points < maximum and not reason:
        raise ScoreError(ScoreError.INVALID, _("低于满分时必须填写扣分理由。"), "reason")
    if points is None:
        reason = ""
    return points, reason


_UPDATE_SQL = (f"UPDATE {Score._meta.db_table} SET points = %s, reason = %s, version = version + 1, "
               "updated_by_id = %s, updated_at = %s WHERE id = %s AND version = %s")
_POINTS, _UPDATED_AT = Score._meta.get_field("points"), Score._meta.get_field("updated_at")


def apply(user: User, cycle: Cycle, score: Score, points: Decimal | None, reason: str, version: int,
          source: str = "grid") -> Score:
    """Compare-and-set on the version, then the audit event; call inside a transaction (one that
    changes several scores locks them first and applies them in order: `kaohe.cycles.totals`).
    The score is then what was written (without reading it back: the update matched `version`)."""
    now = timezone.now()
    stored = None if points is None else points.quantize(Decimal("0.01"))
    # One UPDATE, no ORM compilation: the compare-and-set is its WHERE on the version.
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL, [_POINTS.get_db_prep_save(stored, connection), reason, user.pk,
                                     _UPDATED_AT.get_db_prep_save(now, connection), score.pk, version])
        updated = cursor.rowcount
    if not updated:
        current = Score.objects.select_related("node", "unit").get(pk=score.pk)
        raise ScoreError(ScoreError.CONFLICT, _("该评分已被他人修改，请核对后再保存。"), current=current)
    record(SCORE_UPDATE, "score", score_key(score), cycle=cycle,
           old={"points": optional_points(score.points), "reason": score.reason, "version": score.version},
           new={"points": optional_points(points), "reason": reason, "version": version + 1, "source": source})
    score.points = stored
    score.reason, score.version, score.updated_by, score.updated_at = reason, version + 1, user, now
    return score


def score_key(score: Score) -> str:
    """The audit events' key of a score: `cycle:{id}/unit:{code}/item:{code}` (`parse_score_key` reads it)."""
    return f"cycle:{score.cycle_id}/unit:{score.unit.code}/item:{score.node.code}"


def parse_score_key(key: str) -> tuple[int, str, str] | None:
    """(cycle id, unit code, item code) of a `score_key`; None for any other key."""
    match = _SCORE_KEY.match(key)
    return None if match is None else (int(match["cycle"]), match["unit"], match["item"])



def save_score(user: User, cycle: Cycle | int, unit_code: str, item_code: str, entry: Entry,
               source: str = "grid") -> Score:
    """Check and save one score (the module's rules). `cycle`: the cycle or its id; its status and
    step are read with the task. Returns the score with its unit, node and department."""
    with transaction.atomic():
        score, facts = load_task(user, cycle, unit_code, item_code)
        check_can_edit(facts)
        points, reason = validate(score, facts.step, entry)
        if score.version != entry.version:
            raise ScoreError(ScoreError.CONFLICT, _("该评分已被他人修改，请核对后再保存。"), current=score)
        if points == score.points and reason == score.reason:
            return score  # nothing changed: no new version, no audit event
        return apply(user, facts.cycle, score, points, reason, entry.version, source)
