"""Each unit's totals per dimension (`DimensionTotal`), kept by the database as scores change.

The results need, per unit and dimension (一级指标): tasks, scored, Σ points and Σ the items'
maxima. Summing the Score rows for that costs a scan of every score of the cycle (12 million at
province size, 12 s on PostgreSQL: BENCHMARKS.md). So the database keeps the sums instead: a
trigger on the score table adds each inserted row, each change of points and each deleted row to
its (unit, dimension) total, in the writing statement's transaction. Every writer is covered —
the grid, the API, sheet uploads, objections, bulk inserts when a cycle opens, a restore, and a
hand-written UPDATE — without a second code path to forget. The results then read 4 rows per
unit instead of 60.

- `install(connection)` creates the trigger (PostgreSQL: one PL/pgSQL function; SQLite: three
  triggers, no procedural language); migration 0004 runs it. Changing the trigger's SQL needs a
  new migration that runs `install` again.
- `rebuild(cycle_id)` recomputes a cycle's totals from its scores in one INSERT … SELECT; `paused`
  switches the trigger off for a bulk load (the benchmark's COPY of 12 million rows), which must
  rebuild afterwards.
- `differences(cycle_id)` compares the totals with a fresh recount (`kaohe results recount`).
- `install_read_index(connection)` (migration 0006): on SQLite, the index the results read alone.
- The lock order that keeps concurrent saves free of deadlocks on PostgreSQL. The trigger locks
  a score's total after the score itself. A single save holds one score and then its total, and
  waits for nothing after that. A transaction that changes several scores (a sheet upload, an
  objection) first locks all its scores, in id order (`lock_for_changes`), and then changes them
  in (unit, dimension) order (`lock_order`), so it takes totals in one global order and never
  waits for a score while holding a total. No cycle of waits can form. (Locking the total in the
  save's read, before the score, also avoids deadlocks, but cost about 40 % more database time
  per save in benchmark 2.)

Points are exact: the totals are integers, in hundredths of a point (scores have two decimal
places); SQLite, which stores decimals as REALs, rounds each score's hundredths before adding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection as default_connection
from django.db.models import Count, Sum

from kaohe.cycles.models import CycleUnit, DimensionTotal, Score

TOTAL = "cycles_dimensiontotal"
SCORE = "cycles_score"
NODE = "schemes_node"
PG_TRIGGERS = ("kaohe_score_totals", "kaohe_score_totals_update")  # both run the function kaohe_score_totals()
SQLITE_TRIGGERS = ("kaohe_score_totals_insert", "kaohe_score_totals_update", "kaohe_score_totals_delete")


def _cents(points: str) -> str:
    """SQL: points (a two-place decimal, or NULL) as an integer number of hundredths, NULL as 0.
    Exact on both databases: SQLite stores the decimal as a REAL, which ROUND brings back."""
    return f"COALESCE(CAST(ROUND({points} * 100) AS INTEGER), 0)"


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION kaohe_score_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.unit_id = NEW.unit_id AND OLD.node_id = NEW.node_id THEN
    -- a save: the one total changes by the difference
    UPDATE {TOTAL} AS t
       SET scored = t.scored + (NEW.points IS NOT NULL)::int - (OLD.points IS NOT NULL)::int,
           obtained_cents = t.obtained_cents + {_cents("NEW.points")} - {_cents("OLD.points")}
      FROM {NODE} AS n
     WHERE n.id = NEW.node_id AND t.unit_id = NEW.unit_id AND t.dimension_code = n.dimension_code;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE {TOTAL} AS t
       SET tasks = t.tasks - 1, scored = t.scored - (OLD.points IS NOT NULL)::int,
           obtained_cents = t.obtained_cents - {_cents("OLD.points")},
           maximum_cents = t.maximum_cents - {_cents("n.points")}
      FROM {NODE} AS n
     WHERE n.id = OLD.node_id AND t.unit_id = OLD.unit_id AND t.dimension_code = n.dimension_code;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO {TOTAL} AS t (cycle_id, unit_id, dimension_code, tasks, scored, obtained_cents, maximum_cents)
    SELECT NEW.cycle_id, NEW.unit_id, n.dimension_code, 1, (NEW.points IS NOT NULL)::int,
           {_cents("NEW.points")}, {_cents("n.points")}
      FROM {NODE} AS n WHERE n.id = NEW.node_id
    ON CONFLICT (unit_id, dimension_code) DO UPDATE
       SET tasks = t.tasks + 1, scored = t.scored + EXCLUDED.scored,
           obtained_cents = t.obtained_cents + EXCLUDED.obtained_cents,
           maximum_cents = t.maximum_cents + EXCLUDED.maximum_cents;
  END IF;
  RETURN NULL;
END
$$
"""

_PG_STATEMENTS = (
    f"DROP TRIGGER IF EXISTS kaohe_score_totals ON {SCORE}",
    f"CREATE TRIGGER kaohe_score_totals AFTER INSERT OR DELETE ON {SCORE} "
    "FOR EACH ROW EXECUTE FUNCTION kaohe_score_totals()",
    f"DROP TRIGGER IF EXISTS kaohe_score_totals_update ON {SCORE}",
    f"CREATE TRIGGER kaohe_score_totals_update AFTER UPDATE OF points, unit_id, node_id ON {SCORE} FOR EACH ROW "
    "WHEN (OLD.points IS DISTINCT FROM NEW.points OR OLD.unit_id <> NEW.unit_id OR OLD.node_id <> NEW.node_id) "
    "EXECUTE FUNCTION kaohe_score_totals()",
)


def _sqlite_add(row: str, sign: str) -> str:
    """SQLite: add (`sign` "+") or take away ("-") the score `row` (NEW or OLD) to its total; the
    total's row must exist."""
    maximum = _cents(f"(SELECT points FROM {NODE} WHERE id = {row}.node_id)")
    return f"""
  UPDATE {TOTAL}
     SET tasks = tasks {sign} 1, scored = scored {sign} ({row}.points IS NOT NULL),
         obtained_cents = obtained_cents {sign} {_cents(f"{row}.points")},
         maximum_cents = maximum_cents {sign} {maximum}
   WHERE unit_id = {row}.unit_id
     AND dimension_code = (SELECT dimension_code FROM {NODE} WHERE id = {row}.node_id);"""


_SQLITE_ENSURE_NEW = f"""
  INSERT OR IGNORE INTO {TOTAL} (cycle_id, unit_id, dimension_code, tasks, scored, obtained_cents, maximum_cents)
  SELECT NEW.cycle_id, NEW.unit_id, dimension_code, 0, 0, 0, 0 FROM {NODE} WHERE id = NEW.node_id;"""

_SQLITE_STATEMENTS = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    f"CREATE TRIGGER kaohe_score_totals_insert AFTER INSERT ON {SCORE} BEGIN"
    f"{_SQLITE_ENSURE_NEW}{_sqlite_add('NEW', '+')}\nEND",
    f"CREATE TRIGGER kaohe_score_totals_delete AFTER DELETE ON {SCORE} BEGIN{_sqlite_add('OLD', '-')}\nEND",
    f"CREATE TRIGGER kaohe_score_totals_update AFTER UPDATE OF points, unit_id, node_id ON {SCORE} "
    "WHEN OLD.points IS NOT NEW.points OR OLD.unit_id <> NEW.unit_id OR OLD.node_id <> NEW.node_id BEGIN"
    f"{_sqlite_add('OLD', '-')}{_SQLITE_ENSURE_NEW}{_sqlite_add('NEW', '+')}\nEND",
)

_REBUILD = (
    f"INSERT INTO {TOTAL} (cycle_id, unit_id, dimension_code, tasks, scored, obtained_cents, maximum_cents) "
    f"SELECT s.cycle_id, s.unit_id, n.dimension_code, COUNT(*), COUNT(s.points), "
    f"SUM({_cents('s.points')}), SUM({_cents('n.points')}) "
    f"FROM {SCORE} AS s JOIN {NODE} AS n ON n.id = s.node_id WHERE s.cycle_id = %s "
    "GROUP BY s.cycle_id, s.unit_id, n.dimension_code"
)


def install(connection=default_connection) -> None:
    """Create (or replace) the trigger that keeps the totals."""
    statements = (_PG_FUNCTION, *_PG_STATEMENTS) if connection.vendor == "postgresql" else _SQLITE_STATEMENTS
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection=default_connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {SCORE}")
            cursor.execute("DROP FUNCTION IF EXISTS kaohe_score_totals()")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


READ_INDEX = "dimension_total_read"
_READ_INDEX_SQL = (f"CREATE INDEX IF NOT EXISTS {READ_INDEX} ON {TOTAL} "
                   "(cycle_id, unit_id, dimension_code, tasks, scored, obtained_cents, maximum_cents)")


def install_read_index(connection=default_connection) -> None:
    """SQLite only: an index holding every column the results read (kaohe.results.sums), so their
    GROUP BY reads the index alone, in unit order, and never the table (about 6 % off the results
    of 16,667 units: BENCHMARKS.md, section 1). Not on PostgreSQL: there a change to an indexed
    column makes every save's update of its total a non-HOT one, and the sorted aggregate reads
    the (cycle, unit) index while Python works on the rows."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_READ_INDEX_SQL)


def uninstall_read_index(connection=default_connection) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {READ_INDEX}")


def rebuild(cycle_id: int, connection=default_connection) -> None:
    """The cycle's totals recomputed from its scores (call inside a transaction, or it is two)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TOTAL} WHERE cycle_id = %s", [cycle_id])
        cursor.execute(_REBUILD, [cycle_id])


def rebuild_all(connection=default_connection) -> None:
    """Every cycle's totals recomputed (after a migration or a restore)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cycles_cycle")
        cycle_ids = [row[0] for row in cursor.fetchall()]
    for cycle_id in cycle_ids:
        rebuild(cycle_id, connection)


@contextmanager
def paused(connection=default_connection) -> Iterator[None]:
    """The trigger off while a bulk load writes scores; rebuild the cycles it wrote afterwards.
    PostgreSQL: ALTER TABLE … DISABLE TRIGGER (the table's owner; it locks the table). SQLite:
    the triggers are dropped and created again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in PG_TRIGGERS:
                cursor.execute(f"ALTER TABLE {SCORE} DISABLE TRIGGER {name}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for name in PG_TRIGGERS:
                    cursor.execute(f"ALTER TABLE {SCORE} ENABLE TRIGGER {name}")
    else:
        uninstall(connection)
        try:
            yield
        finally:
            install(connection)


def lock_for_changes(scores: Iterable) -> None:  # Scores
    """Before several scores change in one transaction (PostgreSQL): lock them all, in id order;
    then change them in `lock_order` (see the module's docstring)."""
    ids = sorted(score.pk for score in scores)
    if default_connection.vendor != "postgresql" or not ids:
        return  # SQLite runs one writing transaction at a time
    with default_connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {SCORE} WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids])


def lock_order(score: Score) -> tuple[int, str]:  # the score with its node
    """The order in which a transaction that changes several scores changes them: by the total
    each one changes, so that the totals' locks are taken in one order."""
    return (score.unit_id, score.node.dimension_code)


@dataclass(frozen=True)
class Difference:
    unit: str  # the unit's code
    dimension: str
    kept: tuple[int, int, Decimal, Decimal]  # (tasks, scored, obtained, maximum) as kept; zeros if none
    counted: tuple[int, int, Decimal, Decimal]  # as recounted from the scores


def differences(cycle_id: int) -> list[Difference]:
    """Where the kept totals differ from a recount of the cycle's scores, by unit and dimension."""
    zero = (0, 0, Decimal(0), Decimal(0))
    counted = {(unit, code): (tasks, scored, obtained or Decimal(0), maximum or Decimal(0))
               for unit, code, tasks, scored, obtained, maximum in
               Score.objects.filter(cycle_id=cycle_id).order_by().values_list("unit_id", "node__dimension_code")
               .annotate(Count("pk"), Count("points"), Sum("points"), Sum("node__points"))}
    kept = {(total.unit_id, total.dimension_code): (total.tasks, total.scored, total.obtained, total.maximum)
            for total in DimensionTotal.objects.filter(cycle_id=cycle_id)}
    wrong = sorted(key for key in counted.keys() | kept.keys() if counted.get(key, zero) != kept.get(key, zero))
    codes = dict(CycleUnit.objects.filter(pk__in={unit for unit, _ in wrong}).values_list("pk", "code"))
    return [Difference(codes.get(unit, str(unit)), code, kept.get((unit, code), zero), counted.get((unit, code), zero))
            for unit, code in wrong]
