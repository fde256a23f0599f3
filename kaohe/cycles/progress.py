"""Each department's progress in a cycle: its tasks, scored tasks and submission (the cycle page,
the cockpit's departments section, the review page)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from kaohe.cycles.models import Cycle, CycleDepartment, Score


def percent(done: int, total: int) -> int:
    return int(done * 100 / total) if total else 0


@dataclass
class DepartmentProgress:
    code: str
    name: str
    tasks: int
    scored: int
    state: str
    state_label: str
    comment: str
    grid_url: str
    show_comment: bool = True

    @property
    def percent(self) -> int:
        return percent(self.scored, self.tasks)


def grid_url(cycle: Cycle, department_code: str) -> str:
    """The department's scoring grid (kaohe.cycles.grid), read-only for the office and leaders."""
    return f"{reverse('cycles:scoring', args=[cycle.pk])}?{urlencode({'department': department_code})}"


def department_progress(cycle: Cycle) -> list[DepartmentProgress]:
    """Every department of the cycle with its tasks, scored tasks and submission. Two queries: the
    departments with their submissions, and one GROUP BY of the cycle's scores by department, which
    the index on (cycle, department, node, points) answers without reading the table."""
    counts = {row["department"]: row for row in Score.objects.filter(cycle=cycle).order_by().values("department")
              .annotate(tasks=Count("pk"), scored=Count("points"))}
    rows = []
    for department in (CycleDepartment.objects.filter(cycle=cycle).select_related("submission")
                       .order_by("position", "code")):
        submission = getattr(department, "submission", None)
        count = counts.get(department.pk, {"tasks": 0, "scored": 0})
        rows.append(DepartmentProgress(
            code=department.code, name=department.name, tasks=count["tasks"], scored=count["scored"],
            state=submission.state if submission else "",
            state_label=submission.get_state_display() if submission else "—",
            comment=submission.comment if submission else "", grid_url=grid_url(cycle, department.code)))
    return rows
