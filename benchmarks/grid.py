"""Benchmark 3 (issue 6): the department scoring grid, in server time.

- 18 units × 40 items: the median time to serve the whole grid (target: under 100 ms);
- 2,000 units × 40 items: the median time to serve the first screen, one page of units (target:
  under 200 ms);
- the queries each page takes, which must not grow with units or items.

Each size is its own synthetic department (`build_department`): a published scheme of N items
owned by one department, a cycle open for scoring with M units, about half of the tasks scored,
and a scorer. The page is requested through Django's test client as the scorer, after warm-up
runs, so the time is the server's (URL routing, session, views, queries, templates) without the
network. `run()` measures in a child process on `database_url` (default: a temporary SQLite file),
so it does not depend on which database the calling process has set up; the data it builds is
deleted again.
"""

from __future__ import annotations

import os
import statistics
import time
from decimal import Decimal

from benchmarks.child import child_main, run_in_children
from benchmarks.measure import Figure, timed

# size → [(units, items, what is measured, target in ms)]
SIZES = {
    "tiny": [(5, 6, "whole grid", None), (30, 6, "first screen", None)],
    "quick": [(18, 40, "whole grid", 100.0), (2000, 40, "first screen", 200.0)],
    "full": [(18, 40, "whole grid", 100.0), (2000, 40, "first screen", 200.0)],
}
RUNS = {"tiny": (1, 2), "quick": (3, 15), "full": (5, 30)}  # (warm-up, timed runs)
ITEMS_PER_CRITERION = 4
CRITERIA_PER_INDICATOR = 5
INDICATORS_PER_DIMENSION = 2


# ---------------------------------------------------------------------------------------------
# The data

def synthetic_scheme(name: str, units: list[str], items: int, department: str):
    """A scheme of `items` items worth 2 points each, four to a criterion, owned by `department`."""
    from kaohe.core.codes import assign_codes
    from kaohe.core.scheme import Level, Node, Scheme

    criteria = [Node(Level.CRITERION, f"标准{c + 1}：按要求开展第{c + 1}项工作", Decimal(0), departments=[department],
                     children=[]) for c in range(-(-items // ITEMS_PER_CRITERION))]
    for index in range(items):
        criteria[index // ITEMS_PER_CRITERION].children.append(
            Node(Level.ITEM, f"考核内容{index + 1}：材料齐全、记录完整、按时报送", Decimal(2)))
    for criterion in criteria:
        criterion.points = Decimal(2) * len(criterion.children)
    indicators = [Node(Level.INDICATOR, f"指标{i + 1}", None,
                       children=criteria[i * CRITERIA_PER_INDICATOR:(i + 1) * CRITERIA_PER_INDICATOR])
                  for i in range(-(-len(criteria) // CRITERIA_PER_INDICATOR))]
    dimensions = [Node(Level.DIMENSION, f"维度{d + 1}", None,
                       children=indicators[d * INDICATORS_PER_DIMENSION:(d + 1) * INDICATORS_PER_DIMENSION])
                  for d in range(-(-len(indicators) // INDICATORS_PER_DIMENSION))]
    for node in (*indicators, *dimensions):
        node.points = sum((child.points for child in node.children), Decimal(0))
    scheme = Scheme(name=name, title=f"基准指标体系 {name}", year=2018, units=units, departments=[department],
                    dimensions=dimensions, total=sum((d.points for d in dimensions), Decimal(0)))
    assign_codes(scheme)
    return scheme


def build_department(units: int, items: int, tag: str, scored: float = 0.5):
    """A cycle open for scoring whose one department scores `items` items for `units` units.

    Returns (cycle, scorer). Rows are written in bulk; the first `scored` share of each unit's
    tasks (by item) carry full marks. Everything is named after `tag`; when a cycle of that tag
    exists already (an earlier run on the same database) it is used as it is.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from kaohe.accounts.models import Role, User
    from kaohe.audit.context import acting_as
    from kaohe.cycles.lifecycle import refresh_statistics
    from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
    from kaohe.orgs.models import Department
    from kaohe.schemes.store import publish, save_scheme

    existing = Cycle.objects.filter(name=f"基准评分表{tag}").first()
    if existing is not None:
        refresh_statistics()  # it may come from a run stopped before its statistics were refreshed
        return existing, User.objects.get(username=f"bench-{tag}")
    names = [f"基准单位{tag}-{i + 1:04d}" for i in range(units)]
    with transaction.atomic(), acting_as(name="kaohe bench"):
        department = Department.objects.create(code=f"bench-{tag}", name=f"基准部门{tag}", position=999)
        scorer = User.objects.create(username=f"bench-{tag}", role=Role.SCORER, department=department,
                                     last_name=f"基准评分人{tag}")
        record, _findings = save_scheme(synthetic_scheme(f"bench-grid-{tag}", names, items, department.name))
        publish(record, acknowledge_warnings=True)
        cycle = Cycle.objects.create(name=f"基准评分表{tag}", scheme=record, status=Cycle.Status.OPEN,
                                     step=Decimal("0.1"), opened_at=timezone.now(),
                                     unit_codes=[f"u{tag}-{i + 1:04d}" for i in range(units)])
        CycleUnit.objects.bulk_create(
            [CycleUnit(cycle=cycle, code=f"u{tag}-{i + 1:04d}", name=name, category="县(市)", position=i)
             for i, name in enumerate(names)], batch_size=1000)
        frozen = CycleDepartment.objects.create(cycle=cycle, code=department.code, name=department.name)
        Submission.objects.create(cycle=cycle, department=frozen)
        leaves = list(record.nodes.filter(is_leaf=True).order_by("position").values_list("pk", "points"))
        done = round(len(leaves) * scored)
        now = timezone.now()
        unit_ids = CycleUnit.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True)
        rows = [(cycle.pk, unit, leaf, frozen.pk, points if index < done else None, "",
                 1 if index < done else 0, scorer.pk if index < done else None, now if index < done else None)
                for unit in unit_ids for index, (leaf, points) in enumerate(leaves)]
        table = Score._meta.db_table
        with connection.cursor() as cursor:  # executemany: ten times faster than bulk_create's model objects
            for start in range(0, len(rows), 5000):
                cursor.executemany(
                    f"INSERT INTO {table} (cycle_id, unit_id, node_id, department_id, points, reason, version, "
                    "updated_by_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows[start:start + 5000])
        refresh_statistics()  # as opening a cycle does
    return cycle, scorer



# ---------------------------------------------------------------------------------------------
# Measuring

def measure(size: str, database: str) -> list[Figure]:
    """In this process, on the database Django is set up with (see `run`)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    warmup, runs = RUNS[size]
    figures, queries = [], {}
    for units, items, what, target in SIZES[size]:
        cycle, scorer = build_department(units, items, f"{units}x{items}")
        client = Client()
        client.force_login(scorer)
        url = f"/cycles/{cycle.pk}/scoring/"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries[units, items] = len(captured)
        cpu: list[float] = []

        def get(client=client, url=url, cpu=cpu) -> None:
            started = time.process_time()
            client.get(url)
            cpu.append(time.process_time() - started)

        timing = timed(get, warmup=warmup, runs=runs)
        cpu = cpu[warmup:]
        shown = response.content.decode().count('class="unit')
        figures.append(Figure(
            benchmark=f"scoring grid ({database})",
            what=f"{what}: {units:,} units × {items} items, {shown} units on the page",
            value=timing.median * 1000, unit="ms", spread=(timing.spread[0] * 1000, timing.spread[1] * 1000),
            target=f"< {target:g} ms" if target else "", met=timing.median * 1000 < target if target else None,
            notes=[f"{queries[units, items]} queries; {len(response.content) / 1024:.0f} kB of HTML; "
                   f"CPU time median {statistics.median(cpu) * 1000:.1f} ms; {warmup} warm-up + {runs} runs "
                   "through Django's test client as the department's scorer"
                   + (f"; load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "")]))
    (small, big) = list(queries.items())
    figures.append(Figure(
        benchmark=f"scoring grid ({database})", what=f"queries for {big[0][0]:,} units × {big[0][1]} items",
        value=float(big[1]), unit="queries", baseline=f"{small[0][0]} units × {small[0][1]} items",
        baseline_value=float(small[1]), target="the same at any size", met=big[1] == small[1]))
    return figures


def run(size: str, database_url: str | None) -> list[Figure]:
    """Benchmark 3 at `size` ("tiny", "quick" or "full"): on a temporary SQLite file, and also on
    `database_url` (PostgreSQL) when given. Each in a child process with its own settings."""
    return run_in_children("benchmarks.grid", "scoring grid", size, database_url)


def main() -> None:
    child_main(measure)


if __name__ == "__main__":
    main()
