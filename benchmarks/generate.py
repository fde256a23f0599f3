"""A synthetic cycle at any size, for the benchmarks (`python -m benchmarks generate`).

`generate(units, items, seed=…)` writes into the current database, in one transaction:

- `units` units (orgs.Unit, codes `bench-000001` …) in the four categories 县(市) 40 %, 城市区 30 %,
  功能区 10 %, 市直单位 20 % — the ranking groups;
- ten departments (合成部门01 …), owning the criteria in turn;
- a published scheme `bench-{units}x{items}-s{seed}` of `items` items
  (`benchmarks.synthetic.cycle_scheme`), with its node rows;
- a cycle of the same name (status open, or locked with every submission locked), its units and
  departments, and one Score row per (unit, item): units × items scores;
- scores with a realistic spread: each unit draws how careful it is (the share of items it loses
  points on, β(2, 12): 14 % on average), most items get full marks, a deduction loses a random
  number of tenths and always has a reason; `unscored` leaves that share of tasks empty;
- adjustments: bonuses for ~3 % of units, penalties for ~2 %, a grade cap for 0.2 % and a veto for
  0.05 %; result settings with a 30 % quota on the top grade.

Everything random comes from `random.Random(seed)`, so a seed gives the same cycle on SQLite and
PostgreSQL. The scores are written in bulk: COPY on PostgreSQL (the score table's secondary indexes
and foreign keys are dropped for the load and rebuilt after, as a restore does), batched executemany
on SQLite, with the trigger that keeps the dimension totals paused and the totals recounted once
after (kaohe/cycles/totals.py). Node.units (the applicability list, read only when a cycle opens)
is filled up to 5,000 units and left empty above: the cycle is generated open, its tasks written
directly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from benchmarks.synthetic import cycle_scheme
from kaohe.core.scheme import Level, effective_departments
from kaohe.cycles import totals
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.formats.yaml_scheme import dumps_yaml
from kaohe.orgs.models import Department, Unit
from kaohe.results.models import Adjustment, ResultSettings
from kaohe.schemes.models import Node, SchemeRecord

CATEGORIES = (("县(市)", 40), ("城市区", 30), ("功能区", 10), ("市直单位", 20))
DEPARTMENTS = 10
NODE_UNITS_LIMIT = 5000
REASONS = ("会议记录不全", "台账资料缺失", "未按时报送材料", "整改不到位", "学习记录不完整",
           "组织生活会程序不规范", "党费收缴台账不清", "发展党员材料不齐", "活动记录缺少照片",
           "制度未上墙", "谈心谈话记录缺失", "问题清单未销号")
SCORED_AT = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
BATCH = 20_000


class GenerateError(Exception):
    """Why a synthetic cycle cannot be generated; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Generated:
    cycle_id: int
    name: str
    units: int
    items: int
    scores: int
    deductions: int
    adjustments: int
    seconds: float
    vendor: str


def cycle_name(units: int, items: int, seed: int) -> str:
    return f"bench-{units}x{items}-s{seed}"


def _category(index: int, units: int) -> str:
    """Unit index → category, in blocks of the shares above (so every category is present)."""
    position = (index * 100) // units
    total = 0
    for name, share in CATEGORIES:
        total += share
        if position < total:
            return name
    return CATEGORIES[-1][0]


def _tenths_text(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"


def score_rows(rng: random.Random, unit_ids: list[int], leaves: list[tuple[int, int, int]],
               unscored: float = 0.0) -> Iterator[tuple[int, int, int, str | None, str, int]]:
    """(unit id, node id, department id, points text or None, reason, version) per task.

    `leaves` is (node id, department id, the item's points in tenths) per item."""
    texts = {t: _tenths_text(t) for t in range(0, max((p for _, _, p in leaves), default=0) + 1)}
    reasons = REASONS
    for unit_id in unit_ids:
        careless = rng.betavariate(2, 12)
        for node_id, department_id, full in leaves:
            draw = rng.random()
            if draw < unscored:
                yield unit_id, node_id, department_id, None, "", 0
            elif draw < unscored + careless:
                lost = rng.randint(1, full)
                yield unit_id, node_id, department_id, texts[full - lost], reasons[rng.randrange(len(reasons))], 1
            else:
                yield unit_id, node_id, department_id, texts[full], "", 1


# -- database writes ---------------------------------------------------------------------------------


def _departments() -> list[Department]:
    found = []
    for number in range(1, DEPARTMENTS + 1):
        department, _ = Department.objects.get_or_create(
            code=f"bench-d{number:02d}", defaults={"name": f"合成部门{number:02d}", "position": 900 + number})
        found.append(department)
    return found


def bulk_insert(model: type, columns: list[str], rows: Iterable[tuple]) -> int:
    """Plain rows into `model`'s table: COPY on PostgreSQL, batched executemany elsewhere."""
    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _units(count: int) -> list[tuple[str, str, str]]:
    """(code, name, category) of `count` bench units, created in orgs.Unit where missing."""
    wanted = [(f"bench-{i:06d}", f"合成单位{i:06d}", _category(i - 1, count)) for i in range(1, count + 1)]
    existing = dict(Unit.objects.filter(code__startswith="bench-").values_list("code", "category"))
    bulk_insert(Unit, ["code", "name", "category", "party_organisation", "scheme_name", "active", "position"],
                ((code, name, category, "", "", True, 10_000 + i) for i, (code, name, category) in enumerate(wanted)
                 if code not in existing))
    return [(code, name, existing.get(code, category)) for code, name, category in wanted]


def _scheme(name: str, items: int, units: list[tuple[str, str, str]],
            departments: list[Department]) -> tuple[SchemeRecord, list[Node]]:
    groups: dict[str, list[str]] = {}
    for _code, unit_name, category in units:
        groups.setdefault(category, []).append(unit_name)
    names = [unit_name for _code, unit_name, _category in units]
    scheme = cycle_scheme(name, items, names, groups, [d.name for d in departments])
    record = SchemeRecord.objects.create(
        name=name, title=scheme.title, year=scheme.year, total=scheme.total, audience="合成单位",
        status=SchemeRecord.Status.PUBLISHED, document=dumps_yaml(scheme), published_at=timezone.now())
    applies = names if len(names) <= NODE_UNITS_LIMIT else []
    rows: dict[int, Node] = {}
    position = 0
    for depth in range(4):
        batch = []
        for node, parents in scheme.walk_with_parents():
            if len(parents) != depth:
                continue
            criterion = next((n for n in (*parents, node) if n.level is Level.CRITERION), None)
            row = Node(scheme=record, parent=rows[id(parents[-1])] if parents else None, code=node.code,
                       level=node.level.value, title=node.title, points=node.points, depth=depth,
                       position=0, is_leaf=node.is_leaf, dimension_code=(parents[0] if parents else node).code,
                       criterion_code=criterion.code if criterion else "",
                       departments=effective_departments(node, parents), units=applies)
            rows[id(node)] = row
            batch.append(row)
        Node.objects.bulk_create(batch)
    for position, node in enumerate(scheme.walk()):
        rows[id(node)].position = position
    Node.objects.bulk_update(list(rows.values()), ["position"])
    leaves = [rows[id(node)] for node in scheme.leaves()]
    return record, leaves


def _score_columns() -> list[str]:
    return ["cycle_id", "unit_id", "node_id", "department_id", "points", "reason", "version", "updated_at"]


def _copy_scores(cycle_id: int, rows: Iterator[tuple], progress: Callable[[int], None]) -> tuple[int, int]:
    """PostgreSQL: COPY, with the score table's secondary indexes and foreign keys rebuilt after."""
    table = Score._meta.db_table
    scored_at = SCORED_AT.isoformat()
    count = deductions = 0
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks may block the ALTER TABLEs
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                          WHERE conrelid = %s::regclass AND contype IN ('f', 'u')""", [table])
        constraints = cursor.fetchall()
        cursor.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN
                          (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""", [table, table])
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(_score_columns())}) FROM STDIN") as copy:
            lines = []
            for unit_id, node_id, department_id, points, reason, version in rows:
                if points is None:
                    lines.append(f"{cycle_id}\t{unit_id}\t{node_id}\t{department_id}\t\\N\t\t0\t\\N\n")
                else:
                    lines.append(f"{cycle_id}\t{unit_id}\t{node_id}\t{department_id}\t{points}\t{reason}\t"
                                 f"{version}\t{scored_at}\n")
                    deductions += bool(reason)
                if len(lines) >= BATCH:
                    copy.write("".join(lines))
                    count += len(lines)
                    lines.clear()
                    progress(count)
            copy.write("".join(lines))
            count += len(lines)
            progress(count)
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ANALYZE {table}")
    return count, deductions


def _insert_scores(cycle_id: int, rows: Iterator[tuple], progress: Callable[[int], None]) -> tuple[int, int]:
    """SQLite (and any other database): batched executemany of plain values."""
    table = Score._meta.db_table
    columns = _score_columns()
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    scored_at = connection.ops.adapt_datetimefield_value(SCORED_AT)
    count = deductions = 0
    batch = []
    with connection.cursor() as cursor:
        for unit_id, node_id, department_id, points, reason, version in rows:
            batch.append((cycle_id, unit_id, node_id, department_id, points, reason, version,
                          scored_at if points is not None else None))
            deductions += bool(reason)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
                progress(count)
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
            progress(count)
        if connection.vendor == "sqlite":
            cursor.execute(f"ANALYZE {table}")
    return count, deductions


def _adjustments(rng: random.Random, cycle: Cycle, units: list[CycleUnit]) -> int:
    made = []
    for unit in units:
        draw = rng.random()
        if draw < 0.03:
            made.append(Adjustment(cycle=cycle, unit=unit, kind=Adjustment.Kind.BONUS,
                                   points=Decimal(rng.randint(1, 30)).scaleb(-1), reason="获得省级表彰",
                                   document="合成〔2026〕1号"))
        elif draw < 0.05:
            made.append(Adjustment(cycle=cycle, unit=unit, kind=Adjustment.Kind.PENALTY,
                                   points=Decimal(rng.randint(1, 50)).scaleb(-1), reason="被通报批评",
                                   document="合成〔2026〕2号"))
        elif draw < 0.052:
            made.append(Adjustment(cycle=cycle, unit=unit, kind=Adjustment.Kind.GRADE_CAP, points=Decimal(0),
                                   reason="发生负面事件", cap="较好"))
        elif draw < 0.0525:
            made.append(Adjustment(cycle=cycle, unit=unit, kind=Adjustment.Kind.VETO, points=Decimal(0),
                                   reason="发生严重违纪问题"))
    Adjustment.objects.bulk_create(made, batch_size=5000)
    return len(made)


def generate(units: int, items: int, *, seed: int = 1, locked: bool = False, unscored: float = 0.0,
             progress: Callable[[str], None] | None = None) -> Generated:
    """Write a synthetic cycle of `units` × `items` scores into the current database (see the module)."""
    if units < 1 or items < 1:
        raise GenerateError("单位数和考核内容数都必须至少为1。")
    if not 0 <= unscored < 1:
        raise GenerateError("未评分比例必须在0到1之间（不含1）。")
    name = cycle_name(units, items, seed)
    say = progress or (lambda _message: None)
    start = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        if Cycle.objects.filter(name=name).exists() or SchemeRecord.objects.filter(name=name).exists():
            raise GenerateError(f"数据库中已有合成考核周期“{name}”；换一个 --seed，或换一个数据库。")
        departments = _departments()
        unit_rows = _units(units)
        say(f"单位 {units:,} 个（{time.perf_counter() - start:.1f} 秒）")
        record, leaves = _scheme(name, items, unit_rows, departments)
        say(f"指标体系 {len(leaves)} 项考核内容（{time.perf_counter() - start:.1f} 秒）")
        cycle = Cycle.objects.create(name=name, scheme=record, status=Cycle.Status.OPEN,
                                     unit_codes=[code for code, _, _ in unit_rows] if units <= NODE_UNITS_LIMIT else [],
                                     opened_at=timezone.now())
        bulk_insert(CycleUnit, ["cycle_id", "code", "name", "category", "party_organisation", "position"],
                    ((cycle.pk, code, unit_name, category, "", i) for i, (code, unit_name, category) in enumerate(unit_rows)))
        cycle_units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position").only("pk"))
        frozen = {d.name: CycleDepartment.objects.create(cycle=cycle, code=d.code, name=d.name, position=d.position)
                  for d in departments}
        state = Submission.State.LOCKED if locked else Submission.State.DRAFT
        Submission.objects.bulk_create([Submission(cycle=cycle, department=d, state=state) for d in frozen.values()])
        say(f"考核周期、{units:,} 个周期单位（{time.perf_counter() - start:.1f} 秒）")
        leaf_rows = [(leaf.pk, frozen[leaf.owner].pk, int(leaf.points * 10)) for leaf in leaves]
        rows = score_rows(rng, [u.pk for u in cycle_units], leaf_rows, unscored)
        total = units * len(leaves)

        def counted(done: int) -> None:
            if done % 1_000_000 < BATCH or (done == total and total % 1_000_000 >= BATCH):
                say(f"评分 {done:,}/{total:,}（{time.perf_counter() - start:.1f} 秒）")

        writer = _copy_scores if connection.vendor == "postgresql" else _insert_scores
        with totals.paused():  # one recount after the load instead of 12 million trigger calls
            scores, deductions = writer(cycle.pk, rows, counted)
        totals.rebuild(cycle.pk)
        say(f"各单位各一级指标合计（{time.perf_counter() - start:.1f} 秒）")
        adjustments = _adjustments(rng, cycle, cycle_units)
        ResultSettings.objects.create(cycle=cycle, quota_share=Decimal("0.3"))
        if locked:
            cycle.status = Cycle.Status.LOCKED
            cycle.save(update_fields=["status"])
    return Generated(cycle_id=cycle.pk, name=name, units=units, items=len(leaves), scores=scores,
                     deductions=deductions, adjustments=adjustments, seconds=time.perf_counter() - start,
                     vendor=connection.vendor)
