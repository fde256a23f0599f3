"""Which cycles a user sees, and which of a cycle's departments they score for.

- the office: every cycle; leaders: every cycle but drafts;
- scorers and heads: the started cycles their department takes part in;
- unit users: the started cycles their unit takes part in;
- anyone else (anonymous, deactivated, a role without its department or unit): none.

Pages ask `visible_cycle_or_404`, the API and services `visible_cycle`; both are one query. A cycle
the user may not see is "not found", never "forbidden", so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kaohe.accounts.models import Role
from kaohe.accounts.permissions import department_code, signed_in, unit_code
from kaohe.cycles.models import Cycle, CycleDepartment


def visible_cycles(user: Any) -> QuerySet[Cycle]:
    cycles = Cycle.objects.select_related("scheme")
    if not signed_in(user):
        return cycles.none()
    if user.role == Role.OFFICE:
        return cycles.all()
    started = cycles.exclude(status=Cycle.Status.DRAFT)
    if user.role == Role.LEADER:
        return started
    department, unit = department_code(user), unit_code(user)
    if department is not None:
        return started.filter(departments__code=department).distinct()
    if unit is not None:
        return started.filter(units__code=unit).distinct()
    return cycles.none()


def visible_cycle(user: Any, pk: int) -> Cycle | None:
    """The cycle with this id if the user sees it (its scheme loaded without the scheme's document,
    tens of kB that DISTINCT would otherwise compare on every request)."""
    return visible_cycles(user).defer("scheme__document").filter(pk=pk).first()


def visible_cycle_or_404(user: Any, pk: int) -> Cycle:
    cycle = visible_cycle(user, pk)
    if cycle is None:
        raise Http404
    return cycle


def scoring_department(user: Any, cycle: Cycle) -> CycleDepartment | None:
    """The cycle's copy of the user's department, if the user scores or heads one in it."""
    code = department_code(user)
    return None if code is None else CycleDepartment.objects.filter(cycle=cycle, code=code).first()
