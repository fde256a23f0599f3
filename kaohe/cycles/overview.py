"""The leaders' overview: the registry of what it shows (issue 14).

A leader's home (and `/overview/` for the office and leaders) lists every cycle the reader may see
and shows one of them, the focus, in panels: key figures, rankings per group, grade counts, progress
per department, year over year. The panels come from sources that the apps register in their
`AppConfig.ready()` with `register(key, position, source)`: the cycles' own (scoring progress, from
the kept totals: kaohe.cycles.overview_progress) and the results' (published snapshots:
kaohe.results.overview). A later source (the ledger's quarterly standings, the survey's results)
is one more function registered the same way; this module knows nothing of what the panels hold.

A source is a function of the `Overview` (the visible cycles, newest first, and the focus) that
returns a `Contribution`: short marks for the cycles' list (cycle id → text, e.g. "已发布第2版"),
and the panels it shows for the focus. Each source costs a fixed number of queries however many
cycles and units there are (the overview's query count is asserted). Panels hold no forms: the
overview is for reading.

A panel's charts are ECharts options built on the server (JSON; static/kaohe/overview.js draws
them), so the tests read what is drawn: axes, bins and bars.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kaohe.cycles.models import Cycle

FONT = 12  # the charts' base font size in px; overview.js scales it up on a wall screen


@dataclass(frozen=True)
class Chart:
    """One ECharts chart: its element id, its option (JSON) and its height at the base font size."""

    id: str
    label: str  # aria-label
    option: dict[str, Any]
    height: int = 320


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str  # included in the page with the panel as `panel`
    basis: str = ""  # where its figures come from, said on the page ("已发布第2版", "实时，未发布")
    wide: bool = False  # spans two columns on a wide screen
    charts: tuple[Chart, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)  # the figures as JSON
    context: Mapping[str, Any] = field(default_factory=dict)  # anything more the template needs


@dataclass(frozen=True)
class Overview:
    """What the sources are asked about: every cycle the reader may see (newest first, each with
    its scheme, without the scheme's document) and the one shown in full."""

    cycles: tuple[Cycle, ...]
    focus: Cycle | None


@dataclass(frozen=True)
class Contribution:
    marks: Mapping[int, str] = field(default_factory=dict)  # cycle id → a short mark in the cycles' list
    panels: Sequence[Panel] = ()


Source = Callable[[Overview], Contribution]

_sources: dict[str, tuple[int, Source]] = {}


def register(key: str, position: int, source: Source) -> None:
    """Add a source of the overview (once per key); panels are shown in the order of `position`."""
    _sources.setdefault(key, (position, source))


@dataclass(frozen=True)
class Gathered:
    marks: dict[int, list[str]]  # cycle id → the sources' marks, in the sources' order
    panels: list[Panel]


def gather(overview: Overview) -> Gathered:
    """Ask every source, in the order of their positions."""
    marks: dict[int, list[str]] = {}
    panels: list[Panel] = []
    for _position, source in sorted(_sources.values(), key=lambda entry: entry[0]):
        contribution = source(overview)
        for pk, mark in contribution.marks.items():
            marks.setdefault(pk, []).append(mark)
        panels.extend(contribution.panels)
    return Gathered(marks, panels)
