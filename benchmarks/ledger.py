"""Benchmark 9 (issue 16): the 平时考核台账 at scale, in server time.

A cycle of 2,000 units × 40 items owned by one department (`benchmarks.grid.build_department`),
with 100,000 confirmed entries spread over its units, items and the four quarters (one in twenty a
bonus): the ledger page filtered by one unit and by one quarter, as the office (target < 200 ms);
the quarter's standings page, the first quarter's and the year's ranking of 2,000 units (target
< 2 s); and the scoring grid's first screen, whose query count must be the same as without any
entry. Pages through Django's test client after warm-up runs; each database in a child process on
its own fresh file (SQLite) or database (PostgreSQL, when given).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from benchmarks.child import child_main, run_in_children
from benchmarks.measure import Figure, timed

SIZES = {"tiny": (30, 6, 300), "quick": (2000, 40, 100_000), "full": (2000, 40, 100_000)}  # units, items, entries
RUNS = {"tiny": (1, 2), "quick": (2, 10), "full": (3, 20)}  # (warm-up, timed runs)
TARGETS = {"page": 200.0, "standings": 2000.0}  # ms


def add_entries(cycle, count: int, seed: int = 1) -> None:
    """`count` confirmed entries on the cycle's tasks (one in twenty a bonus), in bulk."""
    from django.db import connection
    from django.utils import timezone

    from kaohe.core.ledger import quarter_of
    from kaohe.cycles.models import CycleDepartment, Score
    from kaohe.ledger.models import Entry

    chance = random.Random(seed)
    department = CycleDepartment.objects.get(cycle=cycle)
    tasks = list(Score.objects.filter(cycle=cycle).values_list("pk", "unit_id"))
    units = sorted({unit for _task, unit in tasks})
    now, first = timezone.now(), date(cycle.scheme.year, 1, 1)
    rows = []
    for index in range(count):
        day = first + timedelta(days=chance.randrange(365))
        bonus = index % 20 == 0
        task, unit = (None, chance.choice(units)) if bonus else chance.choice(tasks)
        rows.append((cycle.pk, unit, department.pk, task, "bonus" if bonus else "deduction", day, quarter_of(day),
                     Decimal(chance.randint(1, 5)) / 10, f"基准台账记录{index}：按通报扣分", "洛督〔2018〕12号",
                     "confirmed", "", 1, now, now, now))
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                f"INSERT INTO {table} (cycle_id, unit_id, department_id, task_id, kind, date, quarter, points, reason, "
                "document, state, comment, version, recorded_at, confirmed_at, counted_changed_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows[start:start + 5000])


def measure(size: str, database: str) -> list[Figure]:
    """In this process, on the database Django is set up with (see `run`)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks.grid import build_department
    from kaohe.accounts.models import Role, User
    from kaohe.ledger.models import Entry

    units, items, count = SIZES[size]
    warmup, runs = RUNS[size]
    cycle, scorer = build_department(units, items, f"ledger{units}x{items}")
    scorer_client = Client()
    scorer_client.force_login(scorer)
    grid = f"/cycles/{cycle.pk}/scoring/"

    def queries(client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return len(captured)

    queries(scorer_client, grid)
    before = queries(scorer_client, grid)
    if not Entry.objects.filter(cycle=cycle).exists():
        add_entries(cycle, count)
    with connection.cursor() as cursor:  # the planner's statistics, as after a day's work
        cursor.execute("ANALYZE")
    after = queries(scorer_client, grid)
    office = User.objects.filter(role=Role.OFFICE).first() or User.objects.create(
        username="bench-office", role=Role.OFFICE, is_staff=True)
    client = Client()
    client.force_login(office)
    unit = cycle.units.order_by("position").values_list("code", flat=True)[units // 2]
    load = f"; load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    figures = []
    pages = [("ledger page filtered by one unit", f"/cycles/{cycle.pk}/ledger/?unit={unit}", "page"),
             ("ledger page filtered by one quarter", f"/cycles/{cycle.pk}/ledger/?quarter=2", "page"),
             ("the quarter's standings page (Q4: the quarter and the year so far)",
              f"/cycles/{cycle.pk}/ledger/standings/?quarter=4", "standings")]
    for what, url, target in pages:
        taken = queries(client, url)
        cpu: list[float] = []

        def get(url: str = url, cpu: list[float] = cpu) -> None:
            started = time.process_time()
            client.get(url)
            cpu.append(time.process_time() - started)

        timing = timed(get, warmup=warmup, runs=runs)
        limit = TARGETS[target]
        figures.append(Figure(
            benchmark=f"平时考核台账 ({database})", what=f"{what}: {count:,} entries, {units:,} units × {items} items",
            value=timing.median * 1000, unit="ms", spread=(timing.spread[0] * 1000, timing.spread[1] * 1000),
            target=f"< {limit:g} ms", met=timing.median * 1000 < limit,
            notes=[f"{taken} queries; CPU time median {statistics.median(cpu[warmup:]) * 1000:.1f} ms; {warmup} "
                   f"warm-up + {runs} runs through Django's test client as the office{load}"]))
    figures.append(Figure(
        benchmark=f"平时考核台账 ({database})", what=f"scoring grid's first screen with {count:,} entries: queries",
        value=float(after), unit="queries", baseline="the same grid without entries", baseline_value=float(before),
        target="unchanged by entries", met=after == before))
    return figures


def run(size: str, database_url: str | None) -> list[Figure]:
    """The ledger benchmark at `size`: on a temporary SQLite file, and on `database_url`
    (PostgreSQL) when given, each in a child process."""
    return run_in_children("benchmarks.ledger", "平时考核台账", size, database_url)


def main() -> None:
    child_main(measure)


if __name__ == "__main__":
    main()
