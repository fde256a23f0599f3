"""Importing a department's existing ledger from an Excel sheet (kaohe.formats.ledger_sheet): one
row an entry, every row checked by the same rules as an entry typed in a page
(`kaohe.ledger.rules.check`), every bad row listed with its problems, and nothing stored unless
every row is good. The entries wait for the head's confirmation like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.audit.record import record as audit
from kaohe.cycles.models import Cycle, CycleDepartment
from kaohe.formats.errors import FormatError
from kaohe.formats.ledger_sheet import COLUMNS, LedgerRow, read_ledger
from kaohe.ledger import rules
from kaohe.ledger.models import Entry
from kaohe.ledger.rules import LedgerError, Lookup, Typed
from kaohe.results.service import settings_for

LABELS = dict(COLUMNS)  # column key → its header, as the sheet names it


@dataclass(frozen=True)
class Problem:
    row: int  # the sheet's row number (0: the file as a whole)
    column: str  # the column's header ("" for the row as a whole)
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {"rows": self.rows, "created": len(self.created),
                "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems]}


def read(source: bytes | IO[bytes], filename: str | None) -> tuple[list[LedgerRow], ImportReport]:
    """The sheet's rows, or a report with the file's one problem."""
    try:
        return read_ledger(source, filename), ImportReport()
    except FormatError as error:
        return [], ImportReport(problems=[Problem(0, "", str(error))])


def import_rows(user: User | None, cycle: Cycle, department: CycleDepartment, rows: Sequence[LedgerRow],
                source: str = "import") -> ImportReport:
    """Check every row for `department`, then store them all, or none. `user` records them (None:
    the command line, acting as itself)."""
    report = ImportReport(rows=len(rows))
    lookup = Lookup(cycle, [str(r.values.get("unit") or "") for r in rows], [str(r.values.get("item") or "") for r in rows])
    cap, today = settings_for(cycle).bonus_cap, timezone.localdate()
    checked = []
    for row in rows:
        problems = dict(row.problems)
        typed = Typed(unit=_text(row, "unit"), item=_text(row, "item"), kind=_text(row, "kind"),
                      date=row.values.get("date"), points=row.values.get("points"), reason=_text(row, "reason"),
                      document=_text(row, "document"))
        try:
            checked.append(rules.check(typed, cycle, department, lookup, cap, today))
        except LedgerError as error:
            for key, message in error.fields.items():
                problems.setdefault(key, message)
        for key, message in problems.items():
            report.problems.append(Problem(row.number, str(LABELS.get(key, key)), message))
    if report.problems:
        return report
    with transaction.atomic():
        rules.check_open(cycle)
        report.created = [rules.create(user, cycle, department, entry, source=source) for entry in checked]
        audit("ledger.import", "ledger", f"cycle:{cycle.pk}/department:{department.code}", cycle=cycle,
              new={"entries": len(report.created), "source": source})
    return report


def _text(row: LedgerRow, key: str) -> str:
    value = row.values.get(key)
    return "" if value is None else str(value)


def department_for(user: User, cycle: Cycle) -> CycleDepartment:
    department = rules.can_record(user, cycle)
    if department is None:
        raise LedgerError(LedgerError.FORBIDDEN, _("只有参加本考核周期的考核部门的评分人和负责人可以导入台账。"))
    return department
