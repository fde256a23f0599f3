"""Bulk import of rosters (kaohe.formats.roster) — users, units, departments — all or nothing.

Every row is checked with the rules the single pages use (kaohe.accounts.users for accounts, the
rules of kaohe.directory.records for units and departments); every error is reported with its row
and column, and nothing is saved unless every row passes: the rows are written in one transaction,
rolled back when any row failed. Users are created (a user name that exists is an error) with a
generated password each, returned to be shown once; units and departments are created or, where
the code exists, updated. Cycles already opened keep their own copies (kaohe.cycles.models).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role
from kaohe.accounts.users import UserError, create_user, random_password
from kaohe.directory import records
from kaohe.formats.roster import DEPARTMENTS, UNITS, USERS, Roster, Row
from kaohe.orgs.models import Department, Unit


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the column's label, "" for the row as a whole
    message: str


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    passwords: list[tuple[str, str, str]] = field(default_factory=list)  # username, name, generated password

    @property
    def ok(self) -> bool:
        return not self.errors


# The words a roster may use for a role: the code, its label, and what people call it.
ROLE_WORDS = {
    **{role.value: role.value for role in Role},
    **{str(role.label): role.value for role in Role},
    "考核办": Role.OFFICE, "评分人": Role.SCORER, "部门负责人": Role.HEAD, "负责人": Role.HEAD,
    "单位用户": Role.UNIT, "被考核单位": Role.UNIT, "领导": Role.LEADER,
}


def _label(roster: Roster, key: str) -> str:
    keys = {c.key: c.label for c in roster.columns}
    return keys.get({"last_name": "name"}.get(key, key), "")


def _errors(roster: Roster, row: Row, errors: dict[str, list[str]]) -> list[RowError]:
    return [RowError(row.number, _label(roster, key), message) for key, messages in errors.items() for message in messages]


def _example(roster: Roster, row: Row) -> list[RowError]:
    return [RowError(row.number, "", _("这一行是模板中的示例，请改写或删除"))] if roster.is_example(row) else []


def _lookup(model: Any, texts: set[str]) -> dict[str, Any]:
    """Records named by code or name, one query."""
    found = {}
    for record in model.objects.filter(Q(code__in=texts) | Q(name__in=texts)):
        found[record.code] = found[record.name] = record
    return found


def import_users(rows: list[Row]) -> Outcome:
    outcome = Outcome()
    departments = _lookup(Department, {r.get("department") for r in rows if r.get("department")})
    units = _lookup(Unit, {r.get("unit") for r in rows if r.get("unit")})
    with transaction.atomic():
        for row in rows:
            if example := _example(USERS, row):
                outcome.errors += example
                continue
            values = {c.key: row.get(c.key) for c in USERS.columns}
            problems: dict[str, list[str]] = {}
            role = ROLE_WORDS.get(values["role"])
            if role is None:
                problems["role"] = [_("不认识的角色“%(role)s”（可用：考核办、评分人、部门负责人、单位用户、领导）") % {
                    "role": values["role"]}]
            department = departments.get(values["department"]) if values["department"] else None
            if values["department"] and department is None:
                problems["department"] = [_("没有考核部门“%(name)s”") % {"name": values["department"]}]
            unit = units.get(values["unit"]) if values["unit"] else None
            if values["unit"] and unit is None:
                problems["unit"] = [_("没有被考核单位“%(name)s”") % {"name": values["unit"]}]
            if problems or role is None:
                outcome.errors += _errors(USERS, row, problems)
                continue
            password = random_password()
            try:
                create_user(username=values["username"], role=role, password=password, department=department,
                            unit=unit, name=values["name"], email=values["email"], generated=True)
            except UserError as error:
                outcome.errors += _errors(USERS, row, error.errors)
                continue
            outcome.created += 1
            outcome.passwords.append((values["username"], values["name"], password))
        if outcome.errors:
            transaction.set_rollback(True)
            outcome.created, outcome.passwords = 0, []
    return outcome


def import_units(rows: list[Row]) -> Outcome:
    return _import_records(rows, UNITS, records.save_unit, Unit)


def import_departments(rows: list[Row]) -> Outcome:
    return _import_records(rows, DEPARTMENTS, records.save_department, Department)


def _import_records(rows: list[Row], roster: Roster, save: Any, model: Any) -> Outcome:
    outcome = Outcome()
    existing = {record.code: record for record in model.objects.filter(code__in=[r.get("code") for r in rows])}
    seen: dict[str, int] = {}
    with transaction.atomic():
        for row in rows:
            if example := _example(roster, row):
                outcome.errors += example
                continue
            code = row.get("code")
            if code in seen:
                outcome.errors.append(RowError(row.number, _label(roster, "code"), _("编码“%(code)s”与第%(row)d行重复") % {
                    "code": code, "row": seen[code]}))
                continue
            seen[code] = row.number
            try:
                changed = save(existing.get(code), row.values)
            except records.RecordError as error:
                outcome.errors += _errors(roster, row, error.errors)
                continue
            if code not in existing:
                outcome.created += 1
            elif changed:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        if outcome.errors:
            transaction.set_rollback(True)
            outcome.created = outcome.updated = outcome.unchanged = 0
    return outcome


IMPORTERS = {"users": import_users, "units": import_units, "departments": import_departments}
