"""Who may do what, by role: the one vocabulary every app's rules speak.

- office: everything (master data, schemes, cycles, review, audit).
- leader: read-only: schemes, cycles and their progress, results.
- scorer: its department's tasks in open cycles; edits while the department's submission is a draft.
- head: what the scorer can, plus approving or sending back the department's submission.
- unit: the cycles its unit takes part in: its self-assessment, scorecard and objections.

The groups (`READERS_OF_ALL`, `DEPARTMENT_ROLES`) are named in kaohe.accounts.models beside the
roles. Every predicate here is false for anonymous and for deactivated accounts. Which cycles a user
sees and which department they score for is a cycles rule: kaohe.cycles.access. Views use
kaohe.accounts.decorators.requires(predicate).
"""

from __future__ import annotations

from typing import Any

from kaohe.accounts.models import DEPARTMENT_ROLES, READERS_OF_ALL, Role


def signed_in(user: Any) -> bool:
    """An authenticated, active account (the API's token users included)."""
    return bool(user.is_authenticated and user.is_active)


def is_office(user: Any) -> bool:
    return signed_in(user) and user.is_office


def reads_all(user: Any) -> bool:
    """The office and leaders: read every cycle, department and unit."""
    return signed_in(user) and user.role in READERS_OF_ALL


def in_department(user: Any) -> bool:
    """A scorer or head with a department (which department scores what is the cycle's business)."""
    return signed_in(user) and user.role in DEPARTMENT_ROLES and user.department_id is not None


def in_unit(user: Any) -> bool:
    """A unit's user with a unit."""
    return signed_in(user) and user.role == Role.UNIT and user.unit_id is not None


def department_code(user: Any) -> str | None:
    """The code of the department a scorer or head belongs to (None for everyone else)."""
    return user.department.code if in_department(user) and user.department is not None else None


def unit_code(user: Any) -> str | None:
    """The code of the unit a unit's user belongs to (None for everyone else)."""
    return user.unit.code if in_unit(user) and user.unit is not None else None


def can_read_schemes(user: Any) -> bool:
    return reads_all(user) or (signed_in(user) and user.role in DEPARTMENT_ROLES)
