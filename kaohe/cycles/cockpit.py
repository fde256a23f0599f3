"""Where a cycle stands and its one next step: the office's cockpit (the cycle page), the office's
to-do list, `kaohe cycle status` and `GET /api/v1/cycles/{id}/status` all read it here.

A cycle goes through stages, in order: 准备 (a draft: open it), 评分 (open: start the review),
审核 (lock the departments, then the cycle) — the cycles' own, decided here — and then the stages
the apps above register: 发布结果 (kaohe.results.cockpit), 异议处理 (kaohe.objections.cockpit),
all registered in their apps' AppConfig.ready() (the cycles' own from kaohe.cycles.stages). A
stage is a function over a batch of cycles that returns, for each cycle it holds, the `Step` that
comes next: what it is, the action that does it (None while the next move is someone else's),
what blocks it or whom it waits for. A cycle that no stage holds has finished its year. Each stage
costs a fixed number of queries however many cycles it is asked about, so the office's to-do list
(every cycle's next step) does too.

The cockpit also shows sections: where each department, each unit's self-assessment, the
objections, the published versions stand. Apps register a section function (cycle → `Section` or
None) in their AppConfig.ready(): `register_section(key, position, function)`; a section carries
its data (what `kaohe cycle status --json` and the API print), a template for the page, and lines
for the command line. The ledger of issue 16, for example, adds its own section this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kaohe.cycles.models import Cycle


@dataclass(frozen=True)
class Action:
    """A button: a form that POSTs to `url` after `confirm`, or (`post=False`) a link to the page
    where it is done."""

    label: str
    url: str
    post: bool = True
    confirm: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "url": self.url, "method": "POST" if self.post else "GET"}


@dataclass(frozen=True)
class Step:
    key: str  # what scripts read: open, start_review, lock_approved, lock, publish, confirm_objections, wait…
    title: str  # what comes next, in words
    action: Action | None = None  # None: the next move is someone else's (see blockers)
    blockers: tuple[str, ...] = ()  # what blocks the action, or whom the cycle waits for
    notes: tuple[str, ...] = ()  # worth knowing, blocking nothing
    secondary: tuple[Action, ...] = ()  # other actions open now
    stage: str = ""  # the stage's key (set by the registry)

    def as_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "key": self.key, "title": self.title,
                "action": self.action.as_json() if self.action else None,
                "blockers": list(self.blockers), "notes": list(self.notes),
                "secondary": [a.as_json() for a in self.secondary]}


StageFunction = Callable[[Sequence[Cycle]], dict[int, Step]]


@dataclass(frozen=True)
class Stage:
    key: str
    label: str | Promise
    position: int
    function: StageFunction


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str  # included in the cycle page with the section as `section`
    data: dict[str, Any] = field(default_factory=dict)  # JSON: the API and `kaohe cycle status --json`
    lines: tuple[str, ...] = ()  # `kaohe cycle status`
    context: dict[str, Any] = field(default_factory=dict)  # anything more the template needs


SectionFunction = Callable[[Cycle], Section | None]

_stages: dict[str, Stage] = {}
_sections: dict[str, tuple[int, SectionFunction]] = {}

DONE = "done"


def register_stage(key: str, label: str | Promise, position: int, function: StageFunction) -> None:
    """Add a stage of the year (once per key); stages are asked in the order of `position`."""
    _stages.setdefault(key, Stage(key, label, position, function))


def register_section(key: str, position: int, function: SectionFunction) -> None:
    """Add a section of the cockpit (once per key), shown in the order of `position`."""
    _sections.setdefault(key, (position, function))


def stages() -> list[Stage]:
    return sorted(_stages.values(), key=lambda stage: stage.position)


def next_steps(cycles: Sequence[Cycle]) -> dict[int, Step]:
    """Each cycle's next step, from the first stage that holds it (a finished cycle: `DONE`)."""
    steps: dict[int, Step] = {}
    waiting = list(cycles)
    for stage in stages():
        if not waiting:
            break
        found = stage.function(waiting)
        for pk, step in found.items():
            steps[pk] = replace(step, stage=stage.key)
        waiting = [cycle for cycle in waiting if cycle.pk not in found]
    for cycle in waiting:
        steps[cycle.pk] = Step(DONE, _("本周期的考核已全部完成。"), stage=DONE)
    return steps


def next_step(cycle: Cycle) -> Step:
    return next_steps([cycle])[cycle.pk]


@dataclass(frozen=True)
class Position:
    """One stage of the timeline as the cockpit shows it."""

    key: str
    label: str
    state: str  # done, current, later


@dataclass(frozen=True)
class Overview:
    cycle: Cycle
    step: Step
    timeline: tuple[Position, ...]
    sections: tuple[Section, ...]

    def as_json(self) -> dict[str, Any]:
        cycle = self.cycle
        return {
            "id": cycle.pk, "name": cycle.name, "scheme": cycle.scheme.name, "status": cycle.status,
            "status_label": str(cycle.get_status_display()), "next": self.step.as_json(),
            "stages": [{"key": p.key, "label": p.label, "state": p.state} for p in self.timeline],
            "sections": {section.key: section.data for section in self.sections},
        }


def overview(cycle: Cycle) -> Overview:
    """The whole cockpit of one cycle: its next step, the timeline and every section."""
    step = next_step(cycle)
    keys = [stage.key for stage in stages()] + [DONE]
    current = keys.index(step.stage)
    timeline = tuple(Position(key, str(label), "done" if i < current else "current" if i == current else "later")
                     for i, (key, label) in enumerate([(s.key, s.label) for s in stages()] + [(DONE, _("完成"))]))
    sections = [function(cycle) for _, function in sorted(_sections.values(), key=lambda entry: entry[0])]
    return Overview(cycle, step, timeline, tuple(section for section in sections if section is not None))
