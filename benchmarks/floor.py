"""The analytical floor of benchmark 1: the same full results as one DuckDB query (issue 20).

DuckDB reads the benchmark's own database directly — the SQLite file through its sqlite scanner,
PostgreSQL through its postgres scanner (both extensions installed as wheels by the `bench` extra,
never downloaded at run time) — and computes, in one query, what `compute_cycle` computes: each
unit's sums and per-dimension sums, percent, the capped bonus and the penalty with the floor at 0,
exact half-up rounding to the rules' places (in integers: the rounded final in units of
10^-places is (2·num·10^places + den) // (2·den) for the exact fraction num/den), ranks inside each
group, grades by threshold, the top-grade quota, grade caps and vetoes. Its rows are fetched into
Python, as `compute_cycle`'s results are Python objects. Two variants:

- `totals`: over the per-(unit, dimension) totals the database keeps (what Kaohe reads);
- `scores`: over the raw score rows joined to their items (what any system without kept totals
  would have to read).

`disagreements` compares every unit's figures with Kaohe's, so the floor is a floor of the same
results, not of an easier computation. The query covers the rules the benchmark's cycles use (the
adjusted score as the one component, units ranked in their category); other rules are refused.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from kaohe.core.results import ADJUSTED, Rules, UnitResult, round_score


class FloorError(Exception):
    """DuckDB is not installed, or the rules are ones the floor's query does not cover."""


def _extension(package: str) -> str:
    try:
        module = __import__(package)
    except ImportError:
        raise FloorError(f"{package} is not installed (the `bench` extra: make bench installs it)") from None
    found = glob.glob(os.path.join(os.path.dirname(module.__file__), "extensions", "*", "*.duckdb_extension"))
    if not found:
        raise FloorError(f"{package} ships no extension file")
    return found[0]


def connect() -> Any:
    """An in-memory DuckDB with Django's current database attached read-only as `db`."""
    try:
        import duckdb
    except ImportError:
        raise FloorError("duckdb is not installed (the `bench` extra: make bench installs it)") from None
    settings = connection.settings_dict
    duck = duckdb.connect(":memory:")
    if connection.vendor == "sqlite":
        duck.execute(f"LOAD '{_extension('duckdb_extension_sqlite_scanner')}'")
        duck.execute(f"ATTACH '{_quoted(str(settings['NAME']))}' AS db (TYPE sqlite, READ_ONLY)")
    elif connection.vendor == "postgresql":
        duck.execute(f"LOAD '{_extension('duckdb_extension_postgres_scanner')}'")
        parts = {"dbname": settings["NAME"], "host": settings.get("HOST"), "port": settings.get("PORT"),
                 "user": settings.get("USER"), "password": settings.get("PASSWORD")}
        dsn = " ".join(f"{key}={value}" for key, value in parts.items() if value)
        duck.execute(f"ATTACH '{_quoted(dsn)}' AS db (TYPE postgres, READ_ONLY)")
    else:
        raise FloorError(f"no DuckDB scanner for {connection.vendor}")
    return duck


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _string(text: str) -> str:
    return "'" + _quoted(text) + "'"


def _scaled(value: Decimal, places: int) -> int:
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise FloorError(f"{value} has more than {places} decimal places")
    return int(scaled)


@dataclass(frozen=True)
class Query:
    sql: str
    codes: tuple[str, ...]  # the dimension codes, in the order of the row's per-dimension columns


def query(source: str, cycle_id: int, codes: Sequence[str], rules: Rules, groups: Mapping[str, str]) -> Query:
    """The DuckDB query of the cycle's results under `rules`, over `source` ("totals" or "scores")."""
    if [(c.key, c.weight) for c in rules.components] != [(ADJUSTED, 1)]:
        raise FloorError("the floor's query covers the adjusted score as the only component")
    if groups:
        raise FloorError("the floor's query ranks units in their category (no ranking groups set)")
    places = rules.rank_places
    scale = 10 ** places
    cap = _scaled(rules.bonus_cap, 2)
    # a rounded final R (in units of 10^-places) reaches a threshold T when R >= ceil(T · 10^places)
    floors = [-((-band.threshold.scaleb(places)).to_integral_value(rounding="ROUND_FLOOR")) for band in rules.grades]
    grade_case = " ".join(f"WHEN r >= {int(f)} THEN {i}" for i, f in enumerate(floors))
    names = "[" + ", ".join(_string(b.name) for b in rules.grades) + "]"
    cap_index = " ".join(f"WHEN {_string(b.name)} THEN {i}" for i, b in enumerate(rules.grades))
    last = len(rules.grades) - 1
    quota = rules.top_quota
    if quota is None:
        allowed = "NULL"
    elif quota.count is not None:
        allowed = str(quota.count)
    else:
        assert quota.share is not None
        share = _scaled(quota.share, 4)
        allowed = f"(CAST({share} AS BIGINT) * n) // 10000"
    dims = ", ".join(f"CAST(SUM(o) FILTER (WHERE d = {_string(c)}) AS BIGINT) AS o{i}, "
                     f"CAST(SUM(m) FILTER (WHERE d = {_string(c)}) AS BIGINT) AS m{i}" for i, c in enumerate(codes))
    dim_columns = "".join(f", COALESCE(s.o{i}, 0) AS o{i}, COALESCE(s.m{i}, 0) AS m{i}" for i in range(len(codes)))
    dim_output = "".join(f", o{i}, m{i}" for i in range(len(codes)))
    if source == "totals":
        rows = (f"SELECT unit_id, dimension_code AS d, tasks, scored, obtained_cents AS o, maximum_cents AS m "
                f"FROM db.cycles_dimensiontotal WHERE cycle_id = {int(cycle_id)}")
        sums = f"SELECT unit_id, CAST(SUM(tasks) AS INTEGER) AS tasks, " \
               f"CAST(SUM(scored) AS INTEGER) AS scored, CAST(SUM(o) AS BIGINT) AS o, CAST(SUM(m) AS BIGINT) AS m, {dims} " \
               f"FROM t GROUP BY unit_id"
    elif source == "scores":
        rows = (f"SELECT s.unit_id, n.dimension_code AS d, 1 AS tasks, "
                f"CASE WHEN s.points IS NULL THEN 0 ELSE 1 END AS scored, "
                f"COALESCE(CAST(round(s.points * 100) AS BIGINT), 0) AS o, CAST(round(n.points * 100) AS BIGINT) AS m "
                f"FROM db.cycles_score s JOIN db.schemes_node n ON n.id = s.node_id WHERE s.cycle_id = {int(cycle_id)}")
        sums = f"SELECT unit_id, CAST(SUM(tasks) AS INTEGER) AS tasks, " \
               f"CAST(SUM(scored) AS INTEGER) AS scored, CAST(SUM(o) AS BIGINT) AS o, CAST(SUM(m) AS BIGINT) AS m, {dims} " \
               f"FROM t GROUP BY unit_id"
    else:
        raise FloorError(f"unknown source {source}")
    sql = f"""
WITH t AS ({rows}),
sums AS ({sums}),
adjustments AS (
  SELECT unit_id,
         CAST(SUM(CASE WHEN kind = 'bonus' THEN round(points * 100) ELSE 0 END) AS BIGINT) AS bonuses,
         CAST(SUM(CASE WHEN kind = 'penalty' THEN round(points * 100) ELSE 0 END) AS BIGINT) AS penalty,
         CAST(MAX(CASE WHEN kind = 'grade_cap' THEN (CASE cap {cap_index} END) END) AS INTEGER) AS cap,
         BOOL_OR(kind = 'veto') AS veto
  FROM db.results_adjustment WHERE cycle_id = {int(cycle_id)} GROUP BY unit_id),
units AS (
  SELECT u.code, u.name, u.category AS grp, u.position,
         COALESCE(s.tasks, 0) AS tasks, COALESCE(s.scored, 0) AS scored,
         COALESCE(s.o, 0) AS o, COALESCE(s.m, 0) AS m,
         LEAST(COALESCE(a.bonuses, 0), {cap}) AS bonus, COALESCE(a.penalty, 0) AS penalty,
         a.cap, COALESCE(a.veto, false) AS veto{dim_columns}
  FROM db.cycles_cycleunit u LEFT JOIN sums s ON s.unit_id = u.id LEFT JOIN adjustments a ON a.unit_id = u.id
  WHERE u.cycle_id = {int(cycle_id)}),
exact AS (  -- adjusted = num / den exactly: 100·o/m + (bonus − penalty)/100, floored at 0
  SELECT *,
         GREATEST(CASE WHEN m > 0 THEN 10000 * CAST(o AS HUGEINT) + (bonus - penalty) * CAST(m AS HUGEINT)
                       ELSE bonus - penalty END, 0) AS num,
         CASE WHEN m > 0 THEN 100 * CAST(m AS HUGEINT) ELSE 100 END AS den
  FROM units),
rounded AS (SELECT *, CAST((2 * num * {scale} + den) // (2 * den) AS BIGINT) AS r FROM exact),
ranked AS (
  SELECT *, rank() OVER (PARTITION BY grp ORDER BY r DESC) AS rank,
         count(*) OVER (PARTITION BY grp, r) AS ties, count(*) OVER (PARTITION BY grp) AS n,
         CASE {grade_case} ELSE {last} END AS threshold_grade
  FROM rounded),
graded AS (
  SELECT *, CASE WHEN veto THEN {last}
                 ELSE GREATEST(CASE WHEN threshold_grade = 0 AND {allowed} IS NOT NULL
                                         AND rank + ties - 1 > {allowed} THEN 1 ELSE threshold_grade END,
                               COALESCE(cap, 0)) END AS grade_index
  FROM ranked)
SELECT code, name, grp, tasks, scored, o, m, bonus, penalty, r, CAST(rank AS INTEGER), {names}[grade_index + 1] AS grade,
       scored >= tasks AS complete{dim_output}
FROM graded ORDER BY min(position) OVER (PARTITION BY grp), rank, code
"""
    return Query(sql, tuple(codes))


def run(duck: Any, found: Query) -> list[tuple]:
    return duck.execute(found.sql).fetchall()


def disagreements(results: Sequence[UnitResult], rows: Sequence[tuple], rules: Rules, limit: int = 5) -> list[str]:
    """Where DuckDB's rows differ from Kaohe's results: the order, and every unit's code, group, sums
    and per-dimension sums, bonus, penalty, rounded final, rank, grade and completeness. [] when
    they agree on all."""
    problems = []
    if len(results) != len(rows):
        problems.append(f"{len(rows)} rows from DuckDB, {len(results)} results from Kaohe")
    scale = Decimal(10) ** rules.rank_places
    for result, row in zip(results, rows, strict=False):
        code, _name, group, _tasks, _scored, obtained, maximum, bonus, penalty, rounded, rank, grade, complete = row[:13]
        dimensions = row[13:]
        duck = (code, group, Decimal(obtained) / 100, Decimal(maximum) / 100, Decimal(bonus) / 100,
                Decimal(penalty) / 100, Decimal(rounded) / scale, rank, grade, complete,
                tuple(Decimal(value) / 100 for value in dimensions))
        kaohe = (result.code, result.group, result.obtained, result.maximum, result.bonus, result.penalty,
                 round_score(result.final, rules.rank_places), result.rank, result.grade, result.complete,
                 tuple(value for d in result.dimensions for value in (d.obtained, d.maximum)))
        if duck != kaohe:
            problems.append(f"{result.code}: Kaohe {kaohe}, DuckDB {duck}")
            if len(problems) >= limit:
                break
    return problems
