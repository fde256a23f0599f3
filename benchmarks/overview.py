"""Benchmark (issue 14): the leaders' overview, in server time.

- the demo cycle (18 units, the 2018 county scheme), published, with the year before published too
  (so every panel is drawn: key figures, rankings per group, grades, year over year): the median
  time to serve a leader's overview (target: under 150 ms);
- a cycle of 2,000 units × 40 items in three ranking groups, published, with the year before
  published (target: under 300 ms);
- the queries each overview takes, which must not grow with the units (nor with the cycles listed).

Each cycle is made the way a year makes it: units and a scheme, `create_cycle` and `open_cycle` (the
tasks), every task scored (benchmarks/year.py: most items in full, each unit losing tenths on a share
of its items), all departments locked, results published; the year before is the scheme cloned for
that year, a cycle for the same units, scored with another seed and published. The page is
requested through Django's test client as a leader, after warm-up runs, so the time is the server's
(routing, session, view, queries, templates) without the network. `run()` measures in a child
process on a temporary SQLite file and, when given, on PostgreSQL, each a clean database.
"""

from __future__ import annotations

import os
import statistics
import time

from benchmarks.child import child_main, run_in_children
from benchmarks.measure import Figure, timed

BENCHMARK = "leaders' overview"

# size → [(units or "demo", items, target in ms)]
SIZES: dict[str, list[tuple[int | str, int, float | None]]] = {
    "tiny": [(6, 6, None), (30, 6, None)],
    "quick": [("demo", 0, 150.0), (2000, 40, 300.0)],
    "full": [("demo", 0, 150.0), (2000, 40, 300.0)],
}
RUNS = {"tiny": (1, 2), "quick": (3, 15), "full": (5, 30)}  # (warm-up, timed runs)
CATEGORIES = ("县(市)", "城市区", "功能区")


def _users():
    from kaohe.accounts.models import Role, User

    office = User.objects.filter(role=Role.OFFICE).first() or User.objects.create(
        username="bench-office", role=Role.OFFICE, last_name="基准考核办")
    leader = User.objects.filter(role=Role.LEADER).first() or User.objects.create(
        username="bench-leader", role=Role.LEADER, last_name="基准领导")
    return office, leader


def demo_year():
    """The demo's county cycle and the year before it, both published."""
    from benchmarks.year import lock_and_publish, previous_year, score_spread
    from kaohe.ops.demo import build_demo

    cycle = build_demo()["cycle"]
    office, _leader = _users()
    previous_year(cycle, office, seed=7)
    score_spread(cycle, seed=3)
    lock_and_publish(cycle, office)
    return cycle


def synthetic_year(units: int, items: int):
    """A cycle of `units` units (three ranking groups) × `items` items of one department, and the
    year before it, both published."""
    from benchmarks.grid import synthetic_scheme
    from benchmarks.year import lock_and_publish, previous_year, score_spread
    from kaohe.audit.context import acting_as
    from kaohe.cycles import lifecycle
    from kaohe.cycles.models import Cycle
    from kaohe.orgs.models import Department, Unit
    from kaohe.schemes.store import publish, save_scheme

    tag = f"{units}x{items}"
    office, _leader = _users()
    with acting_as(office):
        department = Department.objects.create(code=f"bench-{tag}", name=f"基准部门{tag}", position=999)
        made = Unit.objects.bulk_create([
            Unit(code=f"o{tag}-{i + 1:04d}", name=f"基准单位{tag}-{i + 1:04d}", category=CATEGORIES[i % 3], position=i)
            for i in range(units)], batch_size=1000)
        record, _findings = save_scheme(synthetic_scheme(f"bench-overview-{tag}", [u.name for u in made], items,
                                                         department.name))
        publish(record, acknowledge_warnings=True)
        record.refresh_from_db()
        cycle = lifecycle.create_cycle(name=f"2018年度基准总览{tag}", scheme=record, unit_codes=[u.code for u in made],
                                       created_by=office)
        lifecycle.open_cycle(cycle)
    cycle = Cycle.objects.get(pk=cycle.pk)
    previous_year(cycle, office, seed=7)
    score_spread(cycle, seed=3)
    lock_and_publish(cycle, office)
    return cycle


def measure(size: str, database: str) -> list[Figure]:
    """In this process, on the database Django is set up with (see `run`)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kaohe.cycles.models import CycleUnit

    warmup, runs = RUNS[size]
    figures, queries = [], {}
    for units, items, target in SIZES[size]:
        cycle = demo_year() if units == "demo" else synthetic_year(int(units), items)
        count = CycleUnit.objects.filter(cycle=cycle).count()
        what = (f"the demo cycle ({count} units, the 2018 county scheme)" if units == "demo"
                else f"{count:,} units × {items} items")
        _office, leader = _users()
        client = Client()
        client.force_login(leader)
        url = f"/overview/?cycle={cycle.pk}"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        html = response.content.decode()
        if response.status_code != 200 or 'id="panel-year"' not in html or 'id="panel-ranking"' not in html:
            raise RuntimeError(f"{url} answered {response.status_code} without every panel")
        queries[what] = len(captured)
        cpu: list[float] = []

        def get(client=client, url=url, cpu=cpu) -> None:
            started = time.process_time()
            client.get(url)
            cpu.append(time.process_time() - started)

        timing = timed(get, warmup=warmup, runs=runs)
        cpu = cpu[warmup:]
        figures.append(Figure(
            benchmark=f"{BENCHMARK} ({database})", what=f"{what}, published, with the year before",
            value=timing.median * 1000, unit="ms", spread=(timing.spread[0] * 1000, timing.spread[1] * 1000),
            target=f"< {target:g} ms" if target else "", met=timing.median * 1000 < target if target else None,
            notes=[f"{queries[what]} queries; {len(response.content) / 1024:.0f} kB of HTML; "
                   f"CPU time median {statistics.median(cpu) * 1000:.1f} ms; {warmup} warm-up + {runs} runs "
                   "through Django's test client as a leader"
                   + (f"; load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "")]))
    (small, big) = list(queries.items())
    figures.append(Figure(
        benchmark=f"{BENCHMARK} ({database})", what=f"queries for {big[0]}", value=float(big[1]), unit="queries",
        baseline=small[0], baseline_value=float(small[1]), target="the same at any size", met=big[1] == small[1]))
    return figures


def run(size: str, database_url: str | None) -> list[Figure]:
    """The benchmark at `size` ("tiny", "quick" or "full"): on a temporary SQLite file, and also on
    `database_url` (PostgreSQL) when given. Each in a child process with its own settings."""
    return run_in_children("benchmarks.overview", BENCHMARK, size, database_url)


def main() -> None:
    child_main(measure)


if __name__ == "__main__":
    main()
