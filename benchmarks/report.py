"""BENCHMARKS.md, written by `python -m benchmarks run`: machine, method, one table per benchmark.

A whole run writes the file from scratch (`render`). A run of some sections (`--only`) into an
existing file replaces only those sections (`merge`), each stamped with its own run's date, command
and load average, and leaves the others — and the machine and method — as they were.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from benchmarks.measure import Figure

if TYPE_CHECKING:
    from benchmarks.runner import Section

HEADER = """# Benchmarks

Written by `{command}` ({size} size) on {date}; the whole run took {elapsed}. Every figure below
comes from that command: rerun it to check them (`make bench` runs the quick size, `make bench FULL=1`
the full one). These are measurements, not tests: `make test` asserts no time anywhere, and runs
the benchmark code at a tiny size only so it cannot rot (benchmarks/tests/test_bench_code.py).
How a deployment grows past one machine, on the basis of these figures: docs/scaling.md.
"""


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _met(figure: Figure) -> str:
    if figure.met is None:
        return ""
    return "met" if figure.met else "**missed**"


def table(figures: Sequence[Figure]) -> list[str]:
    lines = ["| what | value | [min, max] | baseline | ratio | target | |", "|---|---|---|---|---|---|---|"]
    for f in figures:
        spread = f"[{_number(f.spread[0])}, {_number(f.spread[1])}]" if f.spread else ""
        baseline = f"{f.baseline}: {_number(f.baseline_value)} {f.unit}" if f.baseline else ""
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
        value = f"{_number(f.value)} {f.unit}" if not (isinstance(f.value, float) and math.isnan(f.value)) else "—"
        lines.append(f"| {_cell(f.what)} | {value} | {spread} | {_cell(baseline)} | {ratio} | {_cell(f.target)} "
                     f"| {_met(f)} |")
    return lines


def render(*, size: str, command: str, sections: Sequence[Section], machine_rows: Sequence[tuple[str, str]],
           started_at: datetime, elapsed: float, load: tuple[str, str], database_notes: Sequence[str], runs: int,
           warmup: int) -> str:
    minutes, seconds = divmod(int(elapsed), 60)
    lines = [HEADER.format(command=command, size=size, date=f"{started_at:%Y-%m-%d %H:%M} UTC",
                           elapsed=f"{minutes} min {seconds} s").rstrip(), ""]
    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {what} | {_cell(value)} |" for what, value in machine_rows]
    lines += [f"| load average (1, 5, 15 min) | at the start {load[0]}; at the end {load[1]} |", ""]
    lines += [f"{note}." for note in database_notes]
    lines += [
        "A load average above the number of cores means other work shared the machine during the run: the "
        "figures are then slower than on an idle machine, and their spread wider.", "",
        "## Method", "",
        f"Each timed figure: {warmup} warm-up run(s), then {runs} timed runs (fewer where a note says so: "
        "LibreOffice's recalculation at the full size runs once); the value is the **median**, with "
        "**[min, max]** of the timed runs. Wall-clock time (`time.perf_counter`). A baseline is measured in "
        "the same run, on the same data and machine, and the ratio is value ÷ baseline. Targets are the "
        "issue's, for this 2-core machine; *met*/*missed* compares the median with the target. Benchmarks "
        "that use a database run each in their own process (`python -m benchmarks measure`), which generates its "
        "synthetic cycle (`python -m benchmarks generate`, seed 1: the same data on SQLite and PostgreSQL) if the "
        "database does not have it yet.", "",
    ]
    for section in sections:
        lines += [f"## {section.title}", "", section.intro, ""] + ([section.stamp, ""] if section.stamp else [])
        by_benchmark: dict[str, list[Figure]] = {}
        for figure in section.figures:
            by_benchmark.setdefault(figure.benchmark, []).append(figure)
        for benchmark, figures in by_benchmark.items():
            if len(by_benchmark) > 1:
                lines += [f"**{benchmark}**", ""]
            lines += table(figures)
            noted = [f for f in figures if f.notes]
            notes = [note if len(noted) == 1 else f"{f.what.split(' (')[0]}: {note}" for f in noted for note in f.notes]
            lines += [""] + [f"- {_cell(note)}" for note in notes] + ([""] if notes else [])
        if not section.figures and not section.notes:
            lines += ["(no figures)", ""]
        lines += [f"- {_cell(note)}" for note in section.notes] + ([""] if section.notes else [])
        if section.command:
            lines += [f"Rerun: `{section.command}`", ""]
    return "\n".join(lines).rstrip() + "\n"


def sections_of(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """The lines before the first benchmark section, and each `## ` section's lines by heading."""
    head: list[str] = []
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("## ") and line[3:] not in ("Machine", "Method"):
            current = found[line] = [line]
        elif current is not None:
            current.append(line)
        else:
            head.append(line)
    return head, found


def merge(existing: str, rendered: str, order: Sequence[str]) -> str:
    """`existing` with the benchmark sections of `rendered` put in place of its own (a new one goes
    where `order`, the section headings in their order, puts it)."""
    head, old = sections_of(existing)
    _new_head, new = sections_of(rendered)
    merged = {**old, **new}
    ranked = sorted(merged, key=lambda h: (order.index(h) if h in order else len(order), list(merged).index(h)))
    lines = list(head)
    for heading in ranked:
        body = merged[heading]
        while body and not body[-1].strip():
            body = body[:-1]
        lines += body + [""]
    return "\n".join(lines).rstrip() + "\n"


def stamp(command: str, started_at: datetime, load: tuple[str, str]) -> str:
    return (f"Measured by `{command}` on {started_at:%Y-%m-%d %H:%M} UTC; load average (1, 5, 15 min) at the start "
            f"{load[0]}, at the end {load[1]}.")
