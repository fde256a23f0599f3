"""Who may see and do what. Pages, sheets and the API ask these functions; none decides alone.

- office: everything (master data, schemes, cycles, review, audit).
- leader: read-only: schemes, cycles and their progress.
- scorer: its department's tasks in open cycles; edits while the department's submission is a draft.
- head: what the scorer can, plus approving or sending back the department's submission.
- unit: the cycles its unit takes part in (self-assessment and results come in later issues).
"""

from __future__ import annotations

from django.db.models import QuerySet

from kaohe.accounts.models import Role, User
from kaohe.cycles.models import Cycle, CycleDepartment


def is_office(user: User) -> bool:
    return user.is_authenticated and user.role == Role.OFFICE and user.is_active


def can_read_schemes(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.OFFICE, Role.LEADER, Role.SCORER, Role.HEAD)


def visible_cycles(user: User) -> QuerySet[Cycle]:
    cycles = Cycle.objects.select_related("scheme")
    if not user.is_authenticated:
        return cycles.none()
    if user.role in (Role.OFFICE, Role.LEADER):
        return cycles.all() if user.role == Role.OFFICE else cycles.exclude(status=Cycle.Status.DRAFT)
    started = cycles.exclude(status=Cycle.Status.DRAFT)
    if user.role in (Role.SCORER, Role.HEAD) and user.department_id:
        return started.filter(departments__code=user.department.code).distinct()
    if user.role == Role.UNIT and user.unit_id:
        return started.filter(units__code=user.unit.code).distinct()
    return cycles.none()


def scoring_department(user: User, cycle: Cycle) -> CycleDepartment | None:
    """The cycle's copy of the user's department, if the user scores or heads one in it."""
    if not user.is_authenticated or user.role not in (Role.SCORER, Role.HEAD) or not user.department_id:
        return None
    return CycleDepartment.objects.filter(cycle=cycle, code=user.department.code).first()

