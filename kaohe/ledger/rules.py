"""The ledger's rules, in one place for the pages, the API, the import and the command line
(what counts, proposals, the cap and dispute outcomes are the pure core's: kaohe.core.ledger).

Who may do what:
- **record** an entry: a scorer or head of a department of the cycle, while the cycle is open
  (评分中): a deduction or a note on one of its department's tasks (an item it scores, for a unit
  the item applies to), or a bonus for any unit of the cycle. The entry waits for the head.
- **edit** it, and attach files: the department's scorers and heads, while it waits (待确认) or
  after it was sent back (已退回); a confirmed entry is never edited — only voided or disputed.
- **confirm** or **send back** (with a reason): the department's head, while the cycle is open.
  Confirming tells the unit at once.
- **void** (with a reason): the office, until the cycle is locked.
- **dispute**: the unit's own users, on a confirmed entry about their unit, within the office's
  window (`LedgerSettings.dispute_days` days from the confirmation, Asia/Shanghai), once per entry,
  with a reason and optional evidence; the department **answers** (uphold, change the points,
  withdraw) and the office **closes** it, which applies the answer, or sends it back.
- **read**: the office every entry; leaders every entry that was ever confirmed; a department its
  own entries; a unit the entries about it that were ever confirmed (`visible_entries`).

Bad input is refused with the field named (`LedgerError.fields`) and nothing stored: an item the
department does not score, a unit the item does not apply to, points beyond the item's maximum (or
the bonus cap) or off the cycle's step, no reason, a date outside the cycle's year or after today.
Every step is one transaction with its audit event; nothing is ever deleted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.accounts.models import DEPARTMENT_ROLES, Role, User
from kaohe.accounts.permissions import is_office, signed_in, unit_code
from kaohe.audit.record import record as audit
from kaohe.claims import storage
from kaohe.claims.models import Evidence
from kaohe.claims.rules import ClaimError, Upload, store_evidence
from kaohe.core import ledger as core
from kaohe.core import text
from kaohe.core.messages import Text, gettext_noop, joined, translated
from kaohe.core.points import format_points, optional_points
from kaohe.cycles.access import scoring_department
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score
from kaohe.cycles.scoring import ScoreError, parse_score
from kaohe.ledger.models import Dispute, Entry, LedgerSettings
from kaohe.notify.send import department_users, label_of, notify, office_users, unit_users
from kaohe.results.service import settings_for
from kaohe.schemes.models import Node

FILES_PER_ENTRY = 10  # files attached to one entry (or one dispute)
MAX_DISPUTE_DAYS = 90


class LedgerError(Refused):
    """What the ledger's rules refuse. `fields` maps each refused input to its reason (all of
    them at once, so a form or an import row can show every one); `field` is the first."""

    def __init__(self, kind: str, message: str, field: str = "", fields: dict[str, str] | None = None):
        self.fields = dict(fields) if fields else ({field: message} if field else {})
        super().__init__(kind, message, field or next(iter(self.fields), ""), problems=list(self.fields.values()))


# ----------------------------------------------------------------------------- reading


def settings_of(cycle: Cycle) -> LedgerSettings:
    """The cycle's ledger settings, or the defaults (unsaved). One query."""
    found = LedgerSettings.objects.filter(cycle=cycle).first()
    return found if found is not None else LedgerSettings(cycle=cycle)


def visible_entries(user: User, cycle: Cycle) -> QuerySet[Entry]:
    """The cycle's entries the user may read (see the module's docstring)."""
    entries = Entry.objects.filter(cycle=cycle)
    if not signed_in(user):
        return entries.none()
    if is_office(user):
        return entries
    if user.role == Role.LEADER:
        return entries.filter(confirmed_at__isnull=False)
    if user.role == Role.UNIT:
        own = unit_code(user)
        if own is None:
            return entries.none()
        return entries.filter(unit__code=own, confirmed_at__isnull=False)
    department = scoring_department(user, cycle)
    return entries.filter(department=department) if department is not None else entries.none()


def find(user: User, cycle: Cycle, entry_id: int, lock: bool = False) -> Entry:
    """An entry the user may read (NOT_FOUND otherwise, so ids cannot be probed)."""
    found = visible_entries(user, cycle).filter(pk=entry_id).values_list("pk", flat=True).first()
    if found is None:
        raise LedgerError(LedgerError.NOT_FOUND, _("没有编号为 %(id)s 的台账记录。") % {"id": entry_id})
    entries = Entry.objects.select_related("unit", "department", "task__node")
    return (entries.select_for_update(of=("self",)) if lock else entries).get(pk=found)


def can_record(user: User, cycle: Cycle) -> CycleDepartment | None:
    """The user's department in the cycle, if the user may record entries for it (open or not)."""
    if not signed_in(user) or user.role not in DEPARTMENT_ROLES:
        return None
    return scoring_department(user, cycle)


def window_closes(cycle: Cycle, entry: Entry, days: int | None = None) -> date | None:
    """The last day the unit may dispute the entry (None before it is confirmed)."""
    if entry.confirmed_at is None:
        return None
    days = settings_of(cycle).dispute_days if days is None else days
    return timezone.localdate(entry.confirmed_at) + timedelta(days=days)


def dispute_problem(cycle: Cycle, entry: Entry, days: int | None = None) -> str:
    """Why the unit cannot dispute the entry now, or "" when it can."""
    if entry.state != Entry.State.CONFIRMED:
        return _("只能对已确认的台账记录提出异议。")
    if hasattr(entry, "dispute"):
        return _("这条台账记录已提出过异议。")
    if cycle.status not in (Cycle.Status.OPEN, Cycle.Status.REVIEW):
        return _("考核周期%(status)s，不再受理台账异议。") % {"status": cycle.get_status_display()}
    closes = window_closes(cycle, entry, days)
    if closes is not None and timezone.localdate() > closes:
        return _("异议期已于%(date)s截止。") % {"date": closes.isoformat()}
    return ""


# ----------------------------------------------------------------------------- what a user typed


@dataclass(frozen=True)
class Typed:
    """An entry as typed (a form, a JSON body, an import row): codes or names, text, numbers."""

    unit: str
    item: str
    kind: str
    date: str | date | datetime | None
    points: str | Decimal | int | None
    reason: str | None
    document: str | None = ""


@dataclass(frozen=True)
class Checked:
    unit: CycleUnit
    task: Score | None
    kind: str
    day: date
    points: Decimal | None
    reason: str
    document: str


KIND_WORDS = {"扣分": core.DEDUCTION, "加分": core.BONUS, "记录": core.NOTE,
              core.DEDUCTION: core.DEDUCTION, core.BONUS: core.BONUS, core.NOTE: core.NOTE}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(value: str | date | datetime | None) -> date:
    """A date as people write it: 2018-03-12, 2018/3/12, 2018.3.12, 2018年3月12日 (full-width digits
    too), or a date cell; LedgerProblem on `date` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = unicodedata.normalize("NFKC", str(value or "")).strip()
    found = _DATE.fullmatch(written)
    if not written:
        raise core.LedgerProblem("date", _("请填写日期。"))
    try:
        if found is None:
            raise ValueError
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise core.LedgerProblem("date", _("日期“%(text)s”无法识别，请写成2018-03-12。"), text=written[:20]) from None


class Lookup:
    """The cycle's units, the tasks and who scores which item, for the units and items an entry
    (or an import's rows) names: three queries whatever the number of rows."""

    def __init__(self, cycle: Cycle, units: Iterable[str], items: Iterable[str]):
        keys = {u.strip() for u in units if u and u.strip()}
        codes = {i.strip() for i in items if i and i.strip()}
        self.cycle = cycle
        self.units: dict[str, CycleUnit] = {}
        for unit in CycleUnit.objects.filter(cycle=cycle).filter(Q(code__in=keys) | Q(name__in=keys)):
            self.units.setdefault(unit.code, unit)
            self.units.setdefault(unit.name, unit)
        self.tasks: dict[tuple[int, str], Score] = {
            (score.unit_id, score.node.code): score for score in
            Score.objects.filter(cycle=cycle, unit__in=list({u.pk for u in self.units.values()}), node__code__in=codes)
            .select_related("node")}
        self.owners: dict[str, set[int]] = {}  # item code → the departments (ids) that score it in the cycle
        for code, department_id in (Score.objects.filter(cycle=cycle, node__code__in=codes).order_by()
                                    .values_list("node__code", "department_id").distinct()):
            self.owners.setdefault(code, set()).add(department_id)
        self.items = set(Node.objects.filter(scheme_id=cycle.scheme_id, code__in=codes).values_list("code", flat=True))


def _cleaned(value: str | None, field: text.FreeText, name: str) -> str:
    try:
        return text.clean(value, field)
    except text.TextError as error:
        raise core.LedgerProblem(name, error.message(_)) from None


def check(typed: Typed, cycle: Cycle, department: CycleDepartment, lookup: Lookup, bonus_cap: Decimal,
          today: date) -> Checked:
    """Every field of an entry checked for `department`; LedgerError(INVALID) naming every bad field."""
    problems: dict[str, str] = {}

    def attempt(field: str, read: Any) -> Any:
        try:
            return read()
        except core.LedgerProblem as problem:
            problems.setdefault(problem.field or field, problem.message(_))
        except ScoreError as error:
            problems.setdefault(field, error.message)
        return None

    kind = KIND_WORDS.get((typed.kind or "").strip())
    if kind is None:
        problems["kind"] = _("类型只能是“扣分”“加分”或“记录”。")
    unit_key = (typed.unit or "").strip()
    unit = lookup.units.get(unit_key)
    if unit is None:
        problems["unit"] = (_("本考核周期没有被考核单位“%(unit)s”。") % {"unit": unit_key[:40]} if unit_key
                            else _("请填写被考核单位。"))
    item = (typed.item or "").strip()
    task = None
    maximum = bonus_cap
    if kind == core.BONUS:
        if item:
            problems["item"] = _("加分记在本周期的加分上，不针对考核内容，请不要填写考核内容。")
    elif kind is not None:
        task, maximum = _task(item, unit, department, lookup, problems)
    day = attempt("date", lambda: parse_date(typed.date))
    if day is not None:
        attempt("date", lambda: core.check_date(day, cycle.scheme.year, today))
    points = None
    if kind is not None:
        raw = typed.points
        if kind == core.NOTE:
            empty = raw is None or (isinstance(raw, str) and not raw.strip())
            if not empty:
                problems["points"] = _("“记录”不计分值，请不要填写分值。")
        elif task is not None or kind == core.BONUS:
            points = attempt("points", lambda: parse_score(Decimal(raw) if isinstance(raw, int) else raw, maximum,
                                                           cycle.step))
            what = task.node.code if task is not None else ""
            if "points" not in problems:
                attempt("points", lambda: core.check_amount(kind, _cents(points), _cents(maximum) or 0, what))
    reason = attempt("reason", lambda: _cleaned(typed.reason, text.LEDGER_REASON, "reason"))
    if reason == "" and "reason" not in problems:
        problems["reason"] = _("请填写事由。")
    document = attempt("document", lambda: _cleaned(typed.document, text.LEDGER_DOCUMENT, "document"))
    if problems:
        first = next(iter(problems.values()))
        raise LedgerError(LedgerError.INVALID, first, fields=problems)
    assert unit is not None and kind is not None and day is not None  # no problem was found
    return Checked(unit, task, kind, day, points, reason or "", document or "")


def _task(item: str, unit: CycleUnit | None, department: CycleDepartment, lookup: Lookup,
          problems: dict[str, str]) -> tuple[Score | None, Decimal]:
    """The task an entry on `item` for `unit` is about, if it is the department's; else the problem
    named on the item (not the department's, unknown) or on the unit (the item does not apply)."""
    if not item:
        problems["item"] = _("扣分和记录必须填写考核内容的编码。")
        return None, Decimal(0)
    owners = lookup.owners.get(item, set())
    if item not in lookup.items or not owners:
        problems["item"] = (_("考核内容 %(item)s 没有考核部门，不能登记台账。") % {"item": item}
                            if item in lookup.items else _("指标体系中没有考核内容 %(item)s。") % {"item": item[:40]})
        return None, Decimal(0)
    if department.pk not in owners:
        problems["item"] = _("考核内容 %(item)s 不由%(department)s考核。") % {"item": item, "department": department.name}
        return None, Decimal(0)
    if unit is None:
        return None, Decimal(0)
    task = lookup.tasks.get((unit.pk, item))
    if task is None or task.department_id != department.pk:
        problems["unit"] = _("考核内容 %(item)s 不适用于%(unit)s。") % {"item": item, "unit": unit.name}
        return None, Decimal(0)
    return task, task.node.points or Decimal(0)


def _cents(points: Decimal | None) -> int | None:
    return None if points is None else int(points * 100)


# ----------------------------------------------------------------------------- writing


def _own_department(user: User, cycle: Cycle) -> CycleDepartment:
    department = can_record(user, cycle)
    if department is None:
        raise LedgerError(LedgerError.FORBIDDEN, _("只有参加本考核周期的考核部门的评分人和负责人可以登记台账。"))
    return department


def check_open(cycle: Cycle) -> None:
    cycle.refresh_from_db(fields=["status"])
    if cycle.status != Cycle.Status.OPEN:
        raise LedgerError(LedgerError.CLOSED, _("考核周期%(status)s，台账已停止登记和确认。") % {
            "status": cycle.get_status_display()})


def key(entry: Entry) -> str:
    """The audit events' key of an entry."""
    return f"cycle:{entry.cycle_id}/unit:{entry.unit.code}/ledger:{entry.pk}"


def about(entry: Entry) -> str:
    return f"ledger:{entry.pk}"


def _values(entry: Entry) -> dict[str, Any]:
    return {"kind": entry.kind, "date": entry.date.isoformat(), "points": optional_points(entry.points),
            "reason": entry.reason, "document": entry.document,
            "item": entry.task.node.code if entry.task is not None else None}


def record(user: User, cycle: Cycle, typed: Typed, files: Sequence[Upload] = (), source: str = "page") -> Entry:
    """A scorer's or head's new entry, waiting for the head (with its files, all or nothing);
    `source`: where it was typed (page, api), for the audit trail."""
    department = _own_department(user, cycle)
    with storage.removed_unless_committed(), transaction.atomic():
        check_open(cycle)
        checked = check(typed, cycle, department, Lookup(cycle, [typed.unit], [typed.item]),
                        settings_for(cycle).bonus_cap, timezone.localdate())
        entry = create(user, cycle, department, checked, source=source)
        _attach(user, cycle, entry, files)
        return entry


def create(user: User | None, cycle: Cycle, department: CycleDepartment, checked: Checked,
           source: str = "page") -> Entry:
    """Store a checked entry (inside the caller's transaction) with its audit event."""
    entry = Entry.objects.create(
        cycle=cycle, unit=checked.unit, department=department, task=checked.task, kind=checked.kind,
        date=checked.day, quarter=core.quarter_of(checked.day), points=checked.points, reason=checked.reason,
        document=checked.document, recorded_by=user)
    audit("ledger.record", "ledger", key(entry), cycle=cycle, new={**_values(entry), "source": source})
    return entry


def edit(user: User, cycle: Cycle, entry_id: int, typed: Typed, version: int,
         files: Sequence[Upload] = ()) -> Entry:
    """Change an entry that waits or was sent back; it waits for the head again."""
    department = _own_department(user, cycle)
    with storage.removed_unless_committed(), transaction.atomic():
        check_open(cycle)
        entry = find(user, cycle, entry_id, lock=True)
        if entry.state not in core.EDITABLE:
            raise LedgerError(LedgerError.CLOSED, _("台账记录%(state)s，不能修改。") % {"state": entry.get_state_display()})
        if entry.version != version:
            raise LedgerError(LedgerError.CONFLICT, _("这条台账记录已在别处修改，请刷新后再改。"))
        checked = check(typed, cycle, department, Lookup(cycle, [typed.unit], [typed.item]),
                        settings_for(cycle).bonus_cap, timezone.localdate())
        old = _values(entry)
        entry.unit, entry.task, entry.kind = checked.unit, checked.task, checked.kind
        entry.date, entry.quarter, entry.points = checked.day, core.quarter_of(checked.day), checked.points
        entry.reason, entry.document = checked.reason, checked.document
        entry.state, entry.version = Entry.State.DRAFT, entry.version + 1
        entry.save()
        audit("ledger.edit", "ledger", key(entry), cycle=cycle, old=old, new=_values(entry))
        _attach(user, cycle, entry, files)
        return entry


def attach(user: User, cycle: Cycle, entry_id: int, files: Sequence[Upload]) -> list[Evidence]:
    """More files for an entry that waits or was sent back."""
    _own_department(user, cycle)
    with storage.removed_unless_committed(), transaction.atomic():
        entry = find(user, cycle, entry_id, lock=True)
        if not files:
            raise LedgerError(LedgerError.INVALID, _("请选择要上传的文件。"), "file")
        check_open(cycle)
        if entry.state not in core.EDITABLE:
            raise LedgerError(LedgerError.CLOSED, _("台账记录%(state)s，不能再添加依据材料。") % {
                "state": entry.get_state_display()})
        return _attach(user, cycle, entry, files)


def _attach(user: User, cycle: Cycle, entry: Entry, files: Sequence[Upload]) -> list[Evidence]:
    if not files:
        return []
    if entry.evidence.count() + len(files) > FILES_PER_ENTRY:
        raise LedgerError(LedgerError.INVALID, _("一条台账记录最多附%(max)d个依据材料。") % {"max": FILES_PER_ENTRY},
                          "file")
    try:
        stored = store_evidence(user, cycle, entry.unit, list(files), [], Evidence.Purpose.LEDGER)
    except ClaimError as error:
        raise LedgerError(error.kind, error.message, "file") from None
    entry.evidence.add(*stored)
    return stored


def confirm(user: User, cycle: Cycle, entry_ids: Iterable[int]) -> list[Entry]:
    """The head confirms waiting entries of the department; each tells its unit at once."""
    department = _head(user, cycle)
    with transaction.atomic():
        check_open(cycle)
        entries = _many(user, cycle, entry_ids)
        for entry in entries:
            if entry.state != Entry.State.DRAFT:
                raise LedgerError(LedgerError.CLOSED, _("台账记录“%(entry)s”%(state)s，不能确认。") % {
                    "entry": translated(_short(entry), _), "state": entry.get_state_display()})
        now = timezone.now()
        for entry in entries:
            entry.state, entry.confirmed_by, entry.confirmed_at = Entry.State.CONFIRMED, user, now
            entry.counted_changed_at, entry.version = now, entry.version + 1
            entry.save(update_fields=["state", "confirmed_by", "confirmed_at", "counted_changed_at", "version"])
            audit("ledger.confirm", "ledger", key(entry), cycle=cycle, new={"state": entry.state})
            _tell_unit(cycle, entry, department)
        return entries


def send_back(user: User, cycle: Cycle, entry_id: int, comment: str) -> Entry:
    """The head returns a waiting entry to the department's scorers, with a reason."""
    _head(user, cycle)
    comment = _required(comment, text.LEDGER_COMMENT, "comment", _("退回台账记录必须填写理由。"))
    with transaction.atomic():
        check_open(cycle)
        entry = find(user, cycle, entry_id, lock=True)
        if entry.state != Entry.State.DRAFT:
            raise LedgerError(LedgerError.CLOSED, _("台账记录%(state)s，不能退回。") % {"state": entry.get_state_display()})
        entry.state, entry.comment, entry.version = Entry.State.RETURNED, comment, entry.version + 1
        entry.save(update_fields=["state", "comment", "version"])
        audit("ledger.send_back", "ledger", key(entry), cycle=cycle, reason=comment, new={"state": entry.state})
        if entry.recorded_by is not None:
            notify([entry.recorded_by], Text.of(gettext_noop("%(cycle)s：台账记录被退回"), cycle=cycle.name),
                   Text.of(gettext_noop("%(entry)s。退回理由：%(reason)s"), entry=_short(entry), reason=comment), url(entry))
        return entry


def void(user: User, cycle: Cycle, entry_id: int, reason: str) -> Entry:
    """The office voids an entry with a reason (an open dispute of it ends with it)."""
    if not is_office(user):
        raise LedgerError(LedgerError.FORBIDDEN, _("只有考核办可以作废台账记录。"))
    reason = _required(reason, text.LEDGER_COMMENT, "reason", _("作废台账记录必须填写理由。"))
    with transaction.atomic():
        cycle.refresh_from_db(fields=["status"])
        if cycle.status not in (Cycle.Status.OPEN, Cycle.Status.REVIEW):
            raise LedgerError(LedgerError.CLOSED, _("考核周期%(status)s，台账记录不能再作废。") % {
                "status": cycle.get_status_display()})
        entry = find(user, cycle, entry_id, lock=True)
        if entry.state in (Entry.State.VOIDED, Entry.State.WITHDRAWN):
            raise LedgerError(LedgerError.CLOSED, _("台账记录%(state)s。") % {"state": entry.get_state_display()})
        counted, now = entry.counts, timezone.now()
        old_state = entry.state
        entry.state, entry.comment, entry.version = Entry.State.VOIDED, reason, entry.version + 1
        if counted:
            entry.counted_changed_at = now
        entry.save(update_fields=["state", "comment", "version", "counted_changed_at"])
        audit("ledger.void", "ledger", key(entry), cycle=cycle, reason=reason,
              old={"state": old_state}, new={"state": entry.state})
        dispute = Dispute.objects.filter(entry=entry).exclude(state=Dispute.State.CLOSED).first()
        if dispute is not None:
            dispute.state, dispute.office_comment = Dispute.State.CLOSED, reason
            dispute.closed_by, dispute.closed_at = user, now
            dispute.save(update_fields=["state", "office_comment", "closed_by", "closed_at"])
        subject = Text.of(gettext_noop("%(cycle)s：一条台账记录已作废"), cycle=cycle.name)
        body = Text.of(gettext_noop("%(entry)s。作废理由：%(reason)s"), entry=_short(entry), reason=reason)
        notify(department_users(entry.department), subject, body, url(entry))
        if entry.confirmed_at is not None:
            notify(unit_users(entry.unit.code), subject, body, url(entry))
        return entry


def _head(user: User, cycle: Cycle) -> CycleDepartment:
    department = can_record(user, cycle)
    if department is None or user.role != Role.HEAD:
        raise LedgerError(LedgerError.FORBIDDEN, _("只有考核部门负责人可以确认或退回台账记录。"))
    return department


def _many(user: User, cycle: Cycle, entry_ids: Iterable[int]) -> list[Entry]:
    ids = sorted(set(entry_ids))
    if not ids:
        raise LedgerError(LedgerError.INVALID, _("请选择台账记录。"), "entries")
    entries = list(visible_entries(user, cycle).filter(pk__in=ids).select_related("unit", "task__node")
                   .select_for_update(of=("self",)).order_by("pk"))
    if len(entries) != len(ids):
        missing = sorted(set(ids) - {e.pk for e in entries})
        raise LedgerError(LedgerError.NOT_FOUND, _("没有编号为 %(id)s 的台账记录。") % {"id": "、".join(map(str, missing))})
    return entries


def _required(value: str | None, field: text.FreeText, name: str, missing: str) -> str:
    try:
        cleaned = text.clean(value, field)
    except text.TextError as error:
        raise LedgerError(LedgerError.INVALID, error.message(_), name) from None
    if not cleaned:
        raise LedgerError(LedgerError.INVALID, missing, name)
    return cleaned


def url(entry: Entry) -> str:
    return f"/cycles/{entry.cycle_id}/ledger/{entry.pk}/"


def describe(entry: Entry, reason: str | None = None) -> Text:
    """An entry in one line, as notifications say it: date, kind and points, item, reason (the
    entry's, or `reason`)."""
    kind = label_of(Entry.Kind(entry.kind))
    what = kind if entry.points is None else Text.of(gettext_noop("%(kind)s%(points)s分"), kind=kind,
                                                     points=format_points(entry.points))
    item = f" {entry.task.node.code}" if entry.task is not None else ""
    return Text.of(gettext_noop("%(date)s %(what)s%(item)s：%(reason)s"), date=entry.date.isoformat(), what=what,
                   item=item, reason=entry.reason if reason is None else reason)


def _short(entry: Entry) -> Text:
    """`describe(entry)` in at most 80 characters (in Chinese): its reason cut with "…" if need be."""
    line = describe(entry)
    if len(line) <= 80:
        return line
    return describe(entry, entry.reason[:max(len(entry.reason) - (len(line) - 79), 0)] + "…")


def _tell_unit(cycle: Cycle, entry: Entry, department: CycleDepartment) -> None:
    closes = window_closes(cycle, entry)
    recorded = joined([Text.of(gettext_noop("%(department)s登记：%(entry)s"), department=department.name, entry=describe(entry)),
                       entry.document and Text.of(gettext_noop("（依据：%(document)s）"), document=entry.document)], "")
    body = joined([recorded, closes and Text.of(gettext_noop("如有异议，请于%(date)s前在台账中提出。"), date=closes.isoformat())])
    notify(unit_users(entry.unit.code), Text.of(gettext_noop("%(cycle)s：本单位有一条新的台账%(kind)s"), cycle=cycle.name,
                                                kind=label_of(Entry.Kind(entry.kind))), body, url(entry))


# ----------------------------------------------------------------------------- disputes


def dispute(user: User, cycle: Cycle, entry_id: int, reason: str, files: Sequence[Upload] = ()) -> Dispute:
    """The unit disputes a confirmed entry about it, within the window."""
    if user.role != Role.UNIT:
        raise LedgerError(LedgerError.FORBIDDEN, _("只有被考核单位的用户可以对台账记录提出异议。"))
    reason = _required(reason, text.DISPUTE_REASON, "reason", _("提出异议必须填写理由。"))
    with storage.removed_unless_committed(), transaction.atomic():
        entry = find(user, cycle, entry_id, lock=True)
        cycle.refresh_from_db(fields=["status"])
        problem = dispute_problem(cycle, entry)
        if problem:
            raise LedgerError(LedgerError.CLOSED, problem)
        if len(files) > FILES_PER_ENTRY:
            raise LedgerError(LedgerError.INVALID, _("一条异议最多附%(max)d个佐证材料。") % {"max": FILES_PER_ENTRY},
                              "file")
        found = Dispute.objects.create(entry=entry, reason=reason, old_points=entry.points, filed_by=user)
        try:
            stored = store_evidence(user, cycle, entry.unit, list(files), [], Evidence.Purpose.DISPUTE)
        except ClaimError as error:
            raise LedgerError(error.kind, error.message, "file") from None
        found.evidence.add(*stored)
        audit("ledger.dispute", "ledger", key(entry), cycle=cycle, reason=reason, new={"files": len(stored)})
        notify(department_users(entry.department),
               Text.of(gettext_noop("%(cycle)s：%(unit)s对台账记录提出异议"), cycle=cycle.name, unit=entry.unit.name),
               Text.of(gettext_noop("%(entry)s\n异议理由：%(reason)s"), entry=_short(entry), reason=reason), url(entry))
        return found


def _open_dispute(user: User, cycle: Cycle, entry_id: int) -> tuple[Entry, Dispute]:
    entry = find(user, cycle, entry_id, lock=True)
    found = Dispute.objects.select_for_update().filter(entry=entry).first()
    if found is None:
        raise LedgerError(LedgerError.NOT_FOUND, _("这条台账记录没有异议。"))
    if found.state == Dispute.State.CLOSED:
        raise LedgerError(LedgerError.CLOSED, _("这条异议已办结。"))
    return entry, found


def answer(user: User, cycle: Cycle, entry_id: int, decision: str, points: str | Decimal | None,
           reason: str) -> Dispute:
    """The entry's department upholds it, changes its points or withdraws it, with a reason."""
    department = can_record(user, cycle)
    with transaction.atomic():
        entry, found = _open_dispute(user, cycle, entry_id)
        if department is None or department.pk != entry.department_id:
            raise LedgerError(LedgerError.FORBIDDEN, _("只有登记这条台账记录的考核部门可以答复异议。"))
        reason = _required(reason, text.DISPUTE_ANSWER, "answer", _("答复异议必须填写理由。"))
        new_points = None
        if decision == core.CHANGED:
            new_points = _new_points(cycle, entry, points)
        elif decision not in core.DECISIONS:
            raise LedgerError(LedgerError.INVALID, _("答复只能是“维持”“修改”或“撤销”。"), "decision")
        old = {"decision": found.decision, "points": optional_points(found.new_points), "answer": found.answer}
        found.decision, found.new_points, found.answer = decision, new_points, reason
        found.answered_by, found.answered_at, found.state = user, timezone.now(), Dispute.State.ANSWERED
        found.save(update_fields=["decision", "new_points", "answer", "answered_by", "answered_at", "state"])
        audit("ledger.answer", "ledger", key(entry), cycle=cycle, reason=reason, old=old,
              new={"decision": decision, "points": optional_points(new_points)})
        notify(office_users(),
               Text.of(gettext_noop("%(cycle)s：%(unit)s的台账异议已答复，待办结"), cycle=cycle.name, unit=entry.unit.name),
               Text.of(gettext_noop("%(entry)s\n答复：%(decision)s。%(reason)s"), entry=_short(entry),
                       decision=label_of(Dispute.Decision(found.decision)), reason=reason), url(entry))
        return found


def _new_points(cycle: Cycle, entry: Entry, points: str | Decimal | None) -> Decimal:
    if entry.kind == core.NOTE:
        raise LedgerError(LedgerError.INVALID, _("“记录”不计分值，不能修改分值。"), "decision")
    task = entry.task
    maximum = (task.node.points or Decimal(0)) if task is not None else settings_for(cycle).bonus_cap
    try:
        value = parse_score(points, maximum, cycle.step)
        core.check_amount(entry.kind, _cents(value), _cents(maximum) or 0, task.node.code if task is not None else "")
    except ScoreError as error:
        raise LedgerError(LedgerError.INVALID, error.message, "points") from None
    except core.LedgerProblem as problem:
        raise LedgerError(LedgerError.INVALID, problem.message(_), "points") from None
    assert value is not None  # check_amount refuses none for a deduction or bonus
    if value == entry.points:
        raise LedgerError(LedgerError.INVALID, _("新的分值与原分值相同；如不修改请选择“维持”。"), "points")
    return value


def close(user: User, cycle: Cycle, entry_id: int, comment: str = "") -> Dispute:
    """The office closes an answered dispute: the department's answer takes effect."""
    if not is_office(user):
        raise LedgerError(LedgerError.FORBIDDEN, _("只有考核办可以办结台账异议。"))
    with transaction.atomic():
        entry, found = _open_dispute(user, cycle, entry_id)
        if found.state != Dispute.State.ANSWERED:
            raise LedgerError(LedgerError.CLOSED, _("部门尚未答复，不能办结。"))
        comment = _cleaned_or_refused(comment, text.DISPUTE_COMMENT, "comment")
        state, cents = core.after_dispute(found.decision, _cents(entry.points) or 0, _cents(found.new_points))
        now = timezone.now()
        old = {"state": entry.state, "points": optional_points(entry.points)}
        if state != entry.state or (entry.points is not None and cents != _cents(entry.points)):
            entry.state = state
            if entry.points is not None:
                entry.points = Decimal(cents) / 100
            entry.counted_changed_at, entry.version = now, entry.version + 1
            entry.save(update_fields=["state", "points", "counted_changed_at", "version"])
        found.state, found.office_comment, found.closed_by, found.closed_at = Dispute.State.CLOSED, comment, user, now
        found.save(update_fields=["state", "office_comment", "closed_by", "closed_at"])
        audit("ledger.close", "ledger", key(entry), cycle=cycle, reason=comment, old=old,
              new={"state": entry.state, "points": optional_points(entry.points), "decision": found.decision})
        subject = Text.of(gettext_noop("%(cycle)s：台账异议已办结"), cycle=cycle.name)
        body = Text.of(gettext_noop("%(entry)s\n结果：%(decision)s。%(answer)s"), entry=_short(entry),
                       decision=label_of(Dispute.Decision(found.decision)), answer=found.answer)
        notify(unit_users(entry.unit.code), subject, body, url(entry))
        notify(department_users(entry.department), subject, body, url(entry))
        return found


def send_back_dispute(user: User, cycle: Cycle, entry_id: int, comment: str) -> Dispute:
    """The office returns the department's answer, with a comment; the department answers again."""
    if not is_office(user):
        raise LedgerError(LedgerError.FORBIDDEN, _("只有考核办可以退回台账异议的答复。"))
    comment = _required(comment, text.DISPUTE_COMMENT, "comment", _("退回答复必须填写意见。"))
    with transaction.atomic():
        entry, found = _open_dispute(user, cycle, entry_id)
        if found.state != Dispute.State.ANSWERED:
            raise LedgerError(LedgerError.CLOSED, _("只有待办结的异议才能退回部门。"))
        found.state, found.office_comment, found.decision, found.new_points = Dispute.State.FILED, comment, "", None
        found.save(update_fields=["state", "office_comment", "decision", "new_points"])
        audit("ledger.dispute_send_back", "ledger", key(entry), cycle=cycle, reason=comment)
        notify(department_users(entry.department), Text.of(gettext_noop("%(cycle)s：考核办退回了台账异议的答复"), cycle=cycle.name),
               Text.of(gettext_noop("%(entry)s\n意见：%(comment)s"), entry=_short(entry), comment=comment), url(entry))
        return found


def _cleaned_or_refused(value: str | None, field: text.FreeText, name: str) -> str:
    try:
        return text.clean(value, field)
    except text.TextError as error:
        raise LedgerError(LedgerError.INVALID, error.message(_), name) from None


# ----------------------------------------------------------------------------- settings


def save_settings(user: User, cycle: Cycle, dispute_days: int | str | None) -> LedgerSettings:
    if not is_office(user):
        raise LedgerError(LedgerError.FORBIDDEN, _("只有考核办可以设置台账的异议期。"))
    try:
        days = int(str(dispute_days).strip())
    except ValueError:
        raise LedgerError(LedgerError.INVALID, _("异议期必须是天数（0到%(max)d）。") % {"max": MAX_DISPUTE_DAYS},
                          "dispute_days") from None
    if not 0 <= days <= MAX_DISPUTE_DAYS:
        raise LedgerError(LedgerError.INVALID, _("异议期必须是天数（0到%(max)d）。") % {"max": MAX_DISPUTE_DAYS},
                          "dispute_days")
    with transaction.atomic():
        found = settings_of(cycle)
        old = found.dispute_days if found.pk else None
        found.dispute_days, found.updated_by = days, user
        found.save()
        audit("ledger.settings", "ledger_settings", f"cycle:{cycle.pk}", cycle=cycle,
              old={"dispute_days": old}, new={"dispute_days": days})
        return found
