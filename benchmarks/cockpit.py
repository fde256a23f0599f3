"""Benchmark of issue 14: the office's cockpit (the cycle page, kaohe.cycles.cockpit) in server time.

- the demo cycle (18 units, 12 departments, 3,696 tasks), as `kaohe demo` builds it, with every
  department's submission in a different state and a few self-assessments: target < 150 ms;
- a synthetic cycle of 2,000 units × 40 items scored by 4 departments (80,000 tasks, half of them
  scored; every fifth unit's self-assessment submitted, every second one with claims; a department
  approved, one submitted; one criterion without a department, as in the 2018 county scheme):
  target < 300 ms;
- the queries each page takes, which must be the same: the cockpit's count does not grow with
  units, departments or tasks (tests/web/cycles/test_cockpit.py asserts it too).

The page is requested through Django's test client as the office, after warm-up runs, so the time
is the server's (routing, session, the cockpit's stages and sections, the template) without the
network. `run()` measures in a child process on its own database — a temporary SQLite file, and
PostgreSQL when a URL is given — so nothing of the caller's database is touched.

    python -m benchmarks run --quick --only cockpit    # the runner's section 12, into BENCHMARKS.md
"""

from __future__ import annotations

import os
import statistics
import time
from decimal import Decimal

from benchmarks.child import child_main, run_in_children
from benchmarks.measure import Figure

RUNS = {"tiny": (1, 3), "quick": (3, 20), "full": (5, 40)}  # (warm-up, timed runs)
BIG = {"tiny": (60, 8), "quick": (2000, 40), "full": (2000, 40)}  # (units, items) of the synthetic cycle
DEPARTMENTS = 4
TARGETS = {"demo": 150.0, "big": 300.0}  # ms


# -- the data -----------------------------------------------------------------------------------


def demo_cycle():
    """The demo's county cycle, its departments in every state and a few self-assessments begun."""
    from kaohe.claims.models import Claim, SelfAssessment
    from kaohe.cycles.models import Submission
    from kaohe.ops.demo import build_demo

    cycle = build_demo()["cycle"]
    states = [Submission.State.APPROVED, Submission.State.SUBMITTED, Submission.State.LOCKED]
    for index, submission in enumerate(cycle.submissions.order_by("pk")):
        if index < len(states):
            Submission.objects.filter(pk=submission.pk).update(state=states[index])
    units = list(cycle.units.order_by("position")[:6])
    SelfAssessment.objects.bulk_create([SelfAssessment(cycle=cycle, unit=unit, state=SelfAssessment.State.SUBMITTED)
                                        for unit in units[:3]], ignore_conflicts=True)
    nodes = list(cycle.scheme.nodes.filter(level="criterion").values_list("pk", flat=True)[:10])
    Claim.objects.bulk_create([Claim(cycle=cycle, unit=unit, node_id=node, points=Decimal(1))
                               for unit in units for node in nodes], ignore_conflicts=True)
    return cycle


def synthetic_cycle(units: int, items: int):
    """A published scheme of `items` items (2 points each, four to a criterion) owned in turn by
    DEPARTMENTS departments, and a cycle of `units` units open for scoring. Rows are written in
    bulk; reused when a run on the same database made it already."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kaohe.claims.models import Claim, SelfAssessment
    from kaohe.core.codes import assign_codes
    from kaohe.core.scheme import Gap, Level, Node, Scheme
    from kaohe.cycles.lifecycle import refresh_statistics
    from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
    from kaohe.orgs.models import Department
    from kaohe.schemes.store import publish, save_scheme

    name = f"基准驾驶舱{units}x{items}"
    existing = Cycle.objects.filter(name=name).first()
    if existing is not None:
        return existing
    names = [f"基准单位{i + 1:04d}" for i in range(units)]
    owners = [Department.objects.get_or_create(code=f"bench-office-{d + 1}",
                                               defaults={"name": f"基准考核部门{d + 1}", "position": 900 + d})[0]
              for d in range(DEPARTMENTS)]
    criteria = [Node(Level.CRITERION, f"标准{c + 1}", Decimal(8), departments=[owners[c % DEPARTMENTS].name],
                     children=[Node(Level.ITEM, f"考核内容{c * 4 + i + 1}：材料齐全、记录完整", Decimal(2))
                               for i in range(4)]) for c in range(-(-items // 4))]
    # one criterion without a department, as the 2018 county scheme has (kaohe.cycles.unscored)
    criteria.append(Node(Level.CRITERION, "没有考核部门的标准", Decimal(1),
                         gaps=[Gap("no-department", "基准：源文件没有考核单位")]))
    indicators = [Node(Level.INDICATOR, f"指标{i + 1}", sum((c.points for c in criteria[i * 5:(i + 1) * 5]), Decimal(0)),
                       children=criteria[i * 5:(i + 1) * 5]) for i in range(-(-len(criteria) // 5))]
    dimensions = [Node(Level.DIMENSION, f"维度{d + 1}", sum((i.points for i in indicators[d * 2:(d + 1) * 2]), Decimal(0)),
                       children=indicators[d * 2:(d + 1) * 2]) for d in range(-(-len(indicators) // 2))]
    scheme = Scheme(name=f"bench-cockpit-{units}x{items}", title="基准驾驶舱指标体系", year=2018, units=names,
                    departments=[d.name for d in owners], dimensions=dimensions,
                    total=sum((d.points for d in dimensions), Decimal(0)))
    assign_codes(scheme)
    with transaction.atomic():
        record, _findings = save_scheme(scheme)
        publish(record, acknowledge_warnings=True)
        cycle = Cycle.objects.create(name=name, scheme=record, status=Cycle.Status.OPEN, step=Decimal("0.1"),
                                     opened_at=timezone.now(), unit_codes=[f"bo{i + 1:04d}" for i in range(units)])
        CycleUnit.objects.bulk_create([CycleUnit(cycle=cycle, code=f"bo{i + 1:04d}", name=n, category="县(市)",
                                                 position=i) for i, n in enumerate(names)], batch_size=1000)
        frozen = {}
        for index, department in enumerate(owners):
            frozen[department.name] = CycleDepartment.objects.create(cycle=cycle, code=department.code,
                                                                     name=department.name, position=index)
        states = [Submission.State.APPROVED, Submission.State.SUBMITTED] + [Submission.State.DRAFT] * DEPARTMENTS
        Submission.objects.bulk_create([Submission(cycle=cycle, department=d, state=states[i])
                                        for i, d in enumerate(frozen.values())])
        leaves = [leaf for leaf in record.nodes.filter(is_leaf=True).order_by("position") if leaf.owner]
        owner = {leaf.pk: frozen[leaf.owner].pk for leaf in leaves}
        unit_ids = list(CycleUnit.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True))
        done = len(leaves) // 2
        rows = [(cycle.pk, unit, leaf.pk, owner[leaf.pk], leaf.points if i < done else None, "", 0, None, None)
                for unit in unit_ids for i, leaf in enumerate(leaves)]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(
                    f"INSERT INTO {Score._meta.db_table} (cycle_id, unit_id, node_id, department_id, points, reason, "
                    "version, updated_by_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows[start:start + 5000])
        criterion_ids = list(record.nodes.filter(level="criterion").values_list("pk", flat=True))
        SelfAssessment.objects.bulk_create([SelfAssessment(cycle=cycle, unit_id=u, state=SelfAssessment.State.SUBMITTED)
                                            for u in unit_ids[::5]], batch_size=1000)
        Claim.objects.bulk_create([Claim(cycle=cycle, unit_id=u, node_id=c, points=Decimal(4))
                                   for u in unit_ids[::2] for c in criterion_ids[:3]], batch_size=2000)
        refresh_statistics()
    return cycle


# -- measuring --------------------------------------------------------------------------------------


def measure(size: str, label: str) -> list[Figure]:
    """In this process, on the database Django is set up with (see `run`)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kaohe.accounts.models import User

    warmup, runs = RUNS[size]
    units, items = BIG[size]
    cycles = {"demo": demo_cycle(), "big": synthetic_cycle(units, items)}
    client = Client()
    client.force_login(User.objects.get(username="office"))
    figures, queries = [], {}
    for key, cycle in cycles.items():
        url = f"/cycles/{cycle.pk}/"
        client.get(url)  # the session's first queries
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries[key] = len(captured)
        wall, cpu = [], []
        for index in range(warmup + runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            if index >= warmup:
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
        median = statistics.median(wall) * 1000
        what = ("the demo cycle: 18 units, 12 departments, 3,696 tasks" if key == "demo" else
                f"{cycle.units.count():,} units × {items} items, {DEPARTMENTS} departments, "
                f"{cycle.scores.count():,} tasks")
        target = TARGETS[key]
        figures.append(Figure(
            benchmark=f"office's cockpit ({label})", what=what, value=median, unit="ms",
            spread=(min(wall) * 1000, max(wall) * 1000), target=f"< {target:g} ms",
            met=median < target if size != "tiny" else None,
            notes=[f"{queries[key]} queries; {len(response.content) / 1024:.0f} kB of HTML; CPU time median "
                   f"{statistics.median(cpu) * 1000:.1f} ms; {warmup} warm-up + {runs} runs through Django's test "
                   "client as the office" + (f"; load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg")
                                             else "")]))
    figures.append(Figure(benchmark=f"office's cockpit ({label})", what=f"queries at {units:,} units",
                          value=float(queries["big"]), unit="queries", baseline="the demo cycle",
                          baseline_value=float(queries["demo"]), target="the same at any size",
                          met=queries["big"] == queries["demo"]))
    return figures


def run(size: str, database_url: str | None) -> list[Figure]:
    """The figures at `size` ("tiny", "quick" or "full"), on a temporary SQLite file and (when
    given) on `database_url`, each measured in a child process with its own settings."""
    return run_in_children("benchmarks.cockpit", "office's cockpit", size, database_url)


def main() -> None:
    child_main(measure)


if __name__ == "__main__":
    main()
