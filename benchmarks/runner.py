"""`python -m benchmarks run`: every benchmark of issue 6 at one size, written to BENCHMARKS.md.

Sizes: `quick` (a smoke run of a few minutes), `full` (the issue's sizes: 12 million scores on
PostgreSQL, 1 million on SQLite, 200,000 units exported, 5,000 units through LibreOffice) and
`tiny` (the test suite's, so the code cannot rot).

Databases: a fresh SQLite file `bench-<size>.sqlite3` in the work folder ($KAOHE_DATA_DIR/bench/),
and PostgreSQL at KAOHE_BENCH_POSTGRES_URL (a database the runner may fill; a cycle already
generated there at the same size is reused), else a throwaway cluster started with
scripts/pg-throwaway and stopped at the end, else none (said in the report). Benchmarks that need
a database run in a child process (`python -m benchmarks measure NAME`) with DATABASE_URL set, which
generates its synthetic cycle if missing and prints its figures as JSON; so each gets a clean
process (its peak memory is its own) and the user's database is never touched. The API-load and
grid benchmarks are `benchmarks.api.load.run` and `benchmarks.grid.run`, called when present.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import CHECKOUT, cluster, machine
from benchmarks.measure import Figure

BENCHMARKS = ("results", "api", "grid", "export", "scheme", "spreadsheet", "pages", "survey", "hostile", "overview",
              "ledger", "documents", "cockpit")
CHILD_BENCHMARKS = ("results", "memory", "export", "spreadsheet", "documents", "documents-demo")
FIGURES_MARK = "KAOHE-FIGURES "
SEED = 1


class BenchError(Exception):
    """Why the benchmarks cannot run; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Size:
    results_postgres: tuple[int, int]  # units, items
    results_sqlite: tuple[int, int]
    spreadsheet: tuple[int, int]
    criteria: int  # of the synthetic scheme the checker reads
    runs: int
    warmup: int
    soffice_timeout: float
    documents: int = 2000  # units of the synthetic cycle whose scorecards are written into one PDF


SIZES = {
    "tiny": Size((30, 6), (30, 6), (30, 6), 200, 2, 1, 300, documents=4),
    "quick": Size((5_000, 60), (5_000, 60), (500, 60), 2000, 3, 1, 600, documents=200),
    "full": Size((200_000, 60), (16_667, 60), (5_000, 60), 2000, 3, 1, 1800, documents=2000),
}


@dataclass
class Section:
    key: str
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    command: str = ""
    stamp: str = ""  # which run measured it, and the load average then


# -- child processes ---------------------------------------------------------------------------------


def run_child(argv: list[str], database_url: str, *, echo: Callable[[str], None],
              env: Mapping[str, str] | None = None) -> tuple[int, list[Figure] | None]:
    """`python -m benchmarks ARGV` with DATABASE_URL, in the checkout, under the benchmarks' settings;
    its output echoed line by line, its figures parsed."""
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
                   **(env or {})}
    figures = None
    with subprocess.Popen([sys.executable, "-m", "benchmarks", *argv], env=environment, cwd=CHECKOUT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            if line.startswith(FIGURES_MARK):
                figures = [figure_from(data) for data in json.loads(line[len(FIGURES_MARK):])]
            else:
                echo(line)
    return process.returncode, figures


def figure_from(data: Mapping) -> Figure:
    data = dict(data)
    if data.get("spread") is not None:
        data["spread"] = tuple(data["spread"])
    return Figure(**data)


def measure_here(name: str, size: str, units: int, items: int, say: Callable[[str], None]) -> list[Figure]:
    """In a child process on DATABASE_URL: migrate, generate the cycle if missing, measure `name`."""
    from django.core.management import call_command

    from benchmarks.generate import cycle_name, generate
    from kaohe.cycles.models import Cycle

    conf = SIZES[size]
    call_command("migrate", verbosity=0, skip_checks=True)
    figures: list[Figure] = []
    if name == "documents-demo":  # the demo as `make run` builds it, not a synthetic cycle
        from benchmarks import documents
        from kaohe.ops.demo import build_demo

        say("载入演示数据……")
        demo = build_demo()
        return documents.measure_demo(demo["cycle"])
    cycle = Cycle.objects.filter(name=cycle_name(units, items, SEED)).first()
    if cycle is None:
        say(f"生成 {units:,} 个单位 × {items} 项……")
        made = generate(units, items, seed=SEED, progress=say)
        cycle = Cycle.objects.get(pk=made.cycle_id)
        if name == "results":
            from benchmarks.results import database_label

            big = made.scores >= 10_000_000
            figures.append(Figure(
                f"results of a whole cycle ({database_label()})",
                f"generate the synthetic cycle: {made.units:,} units × {made.items} items = {made.scores:,} scores "
                f"({made.deductions:,} deductions), {made.adjustments:,} adjustments", made.seconds, "s",
                target="a few minutes" if big else "", met=(made.seconds < 600) if big else None,
                notes=["one run: `python -m benchmarks generate --units "
                       f"{units} --items {items} --db URL` (COPY on PostgreSQL, executemany on SQLite)"]))
    elif name == "results":
        say(f"沿用已生成的考核周期“{cycle.name}”")
    if name == "memory":  # a fresh process: nothing else measured in it before
        from benchmarks import results as results_bench

        return results_bench.memory(cycle)
    if name == "results":
        from benchmarks import results as results_bench

        figures += results_bench.measure(cycle, runs=conf.runs, warmup=conf.warmup, full=size == "full")
    elif name == "export":
        from benchmarks import export as export_bench

        figures += export_bench.measure(cycle, runs=1 if size == "full" else 2, warmup=0 if size == "full" else 1)
    elif name == "spreadsheet":
        from benchmarks import spreadsheet

        figures += spreadsheet.measure(cycle, runs=conf.runs, warmup=conf.warmup, timeout=conf.soffice_timeout)
    elif name == "documents":
        from benchmarks import documents

        figures += documents.measure_synthetic(cycle, target_units=SIZES["full"].documents)
    return figures


# -- databases ---------------------------------------------------------------------------------------


class Postgres:
    """The PostgreSQL the benchmarks use: KAOHE_BENCH_POSTGRES_URL, or a throwaway cluster."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.url: str | None = None
        self.cluster: str | None = None
        self.note = ""
        self.version = ""

    def start(self) -> None:
        given = os.environ.get("KAOHE_BENCH_POSTGRES_URL")
        if given:
            self.url, self.note = given, "PostgreSQL at KAOHE_BENCH_POSTGRES_URL (cycles already generated there are reused)"
        else:
            try:
                server, self.cluster = cluster.start()
                self.url = cluster.with_database(server, "kaohe_bench")
                cluster.ensure_database(self.url)
            except cluster.ClusterError as error:
                self.note = f"PostgreSQL not used: {error}"
                return
            self.note = "PostgreSQL: a throwaway cluster (scripts/pg-throwaway: fsync off), created for this run"
        self.version = self._version()

    def _version(self) -> str:
        import psycopg

        assert self.url is not None
        try:
            with psycopg.connect(self.url) as connection:
                return str(connection.execute("SHOW server_version").fetchone()[0])
        except psycopg.Error as error:
            self.note += f" (version unknown: {error})"
            return ""

    def stop(self) -> None:
        if self.cluster:
            cluster.stop(self.cluster)
            self.cluster = None


# -- the run -----------------------------------------------------------------------------------------


def _command(size: str) -> str:
    return "python -m benchmarks run" + {"quick": " --quick", "full": " --full", "tiny": " --tiny"}[size]


def _sections(size: str, conf: Size | None = None) -> dict[str, Section]:
    conf = conf or SIZES[size]
    pg_units, pg_items = conf.results_postgres
    lite_units, lite_items = conf.results_sqlite
    return {
        "results": Section("results", "1. Results for a whole cycle",
                           f"`compute_cycle` (the pivot of the per-(unit, dimension) totals the database keeps as "
                           f"scores are saved, kaohe/cycles/totals.py and kaohe/results/sums.py, then the core's "
                           f"percent, adjustments, ranks and grades on integers, kaohe/core/results/) on a synthetic "
                           f"cycle of {pg_units:,} units × {pg_items} items on PostgreSQL and {lite_units:,} × "
                           f"{lite_items} on SQLite, against the floor: the same full results computed by one DuckDB "
                           "query (benchmarks/floor.py), over the totals and over the score rows, checked to agree "
                           "on every unit. The target's ratio is against DuckDB reading the same database's totals "
                           "(what the issue measured); DuckDB's own in-memory copy of them is beside it as the "
                           "stricter floor, with the CPU time of both. Beside them the hand-written SQL aggregates "
                           "of issue 6. All candidates in one process, interleaved in rotating order after a "
                           "warm-up round."),
        "api": Section("api", "2. Saving scores through the API under load",
                       "benchmarks/api/: concurrent clients on loopback against gunicorn, against a trivial "
                       "authenticated JSON view on the same stack (the ceiling)."),
        "grid": Section("grid", "3. A department's scoring grid", "benchmarks/grid.py: server time of the grid page."),
        "export": Section("export", "4. Streaming xlsx export of the ranking",
                          "The ranking workbook (kaohe/formats/results_report/ranking.py, XlsxWriter constant-memory mode) of the "
                          "results bench's cycle, written to a temporary file at a quarter of the units and at all."),
        "scheme": Section("scheme", "5. Reading and checking schemes", "No database: the core and the readers."),
        "spreadsheet": Section("spreadsheet", "6. The spreadsheet route",
                               "The same results as a workbook of formulas (SUMIFS per unit over a scores sheet, RANK "
                               "per group), recalculated by LibreOffice headless, against Kaohe on the same data "
                               f"({conf.spreadsheet[0]:,} units × {conf.spreadsheet[1]} items, SQLite)."),
        "pages": Section("pages", "Pages and files of the demo (issues 2, 3, 5)",
                         "pytest-benchmark on the demo database (SQLite): tests/web/test_bench_pages.py, run by the "
                         "runner; rounds as pytest-benchmark calibrates them.",
                         command="pytest -m bench tests/web/test_bench_pages.py"),
        "survey": Section("survey", "7. 民主测评: a meeting voting within one minute (issue 17)",
                          "benchmarks/survey_load.py: 500 raters (four groups of 40/120/240/100 codes, 18 units "
                          "rated) arriving evenly over 60 s, each loading the voting page, posting the code and "
                          "the ballot, with 20 second submits and 10 guessed codes mixed in; on the default "
                          "installation (SQLite, `kaohe runserver` as `make run` starts it) and on PostgreSQL "
                          "behind gunicorn, twice: 5 sync processes as docs/deploy.md runs it, and 2 gthread processes × 8 threads as the API benchmark runs it; each a fresh database. Clients share one address, "
                          "like a meeting behind one Wi-Fi. Afterwards the database must hold exactly one "
                          "ballot per rater."),
        "hostile": Section("hostile", "8. Hostile scoring sheets (issue 19)",
                           "benchmarks/hostile.py: the demo (组织部, its largest department: 64 items × 18 units, "
                           "1,025 tasks) in a fresh SQLite installation, served by `make run`'s server and by gunicorn "
                           "with 4 workers; a legitimate upload of the downloaded sheet and each hostile sheet built "
                           "from it, through the API; the serving process's peak memory growth per request (VmHWM, "
                           "reset before each); another user's page while four clients upload hostile sheets."),
        "overview": Section("overview", "9. The leaders' overview (issue 14)",
                            "benchmarks/overview.py: server time of a leader's overview (`/overview/?cycle=…`, "
                            "what a leader's home shows) through Django's test client, for the demo cycle and for a "
                            "cycle of 2,000 units × 40 items in three ranking groups, each published with the year "
                            "before published too, so that every panel is drawn; on SQLite and on PostgreSQL; and "
                            "the queries it takes, which must not grow with the units. The CPU time is noted beside the "
                            "wall time: on a shared machine (a load average of 10 on 2 cores) the wall time includes "
                            "the wait for a core."),
        "ledger": Section("ledger", "10. 平时考核台账 at scale (issue 16)",
                          "benchmarks/ledger.py: 100,000 confirmed entries (one in twenty a bonus) in a cycle of "
                          "2,000 units × 40 items of one department; the office's ledger page filtered by one unit "
                          "and by one quarter, the quarter's standings page (the quarter and the year so far, ranked), "
                          "and the scoring grid's query count with and without the entries; server time through "
                          "Django's test client, on SQLite and on PostgreSQL."),
        "documents": Section("documents", "11. Every unit's scorecard in one PDF (issue 15)",
                             "benchmarks/documents.py: the office's download 各单位考核得分表 "
                             "(kaohe.results.documents.write_scorecards_pdf: WeasyPrint, 20 units at a time, joined "
                             "into one file as they come) written to a temporary file, for the demo cycle in a fresh "
                             "SQLite installation and for a synthetic cycle of "
                             f"{conf.documents:,} units × {60 if size != 'tiny' else 6} items (at a quarter of its "
                             "units and at all); each in its own process, whose peak memory growth is measured "
                             "(VmHWM, reset before each run)."),
        "cockpit": Section("cockpit", "12. The office's cockpit (issue 14)",
                           "benchmarks/cockpit.py: server time of the cycle page as the office sees it (the stages, "
                           "the next step, every section: departments, self-assessments, objections, versions, "
                           "unscored items), through Django's test client, for the demo cycle and for a synthetic "
                           "cycle of 2,000 units, with the queries each takes."),
    }


def run(size: str, *, only: list[str] | None = None, output: Path = Path("BENCHMARKS.md"), postgres: bool = True,
        workdir: Path | None = None, say: Callable[[str], None] = print, results_units: int | None = None) -> Path:
    """Run the benchmarks `only` (all when None) at `size` and write `output`. `results_units`: the
    results section's cycle (which the export section reuses) has this many units on both databases
    instead of the size's (its items stay), e.g. 50,000 on PostgreSQL to see where the time goes
    without the full size's run."""
    from django.conf import settings

    from benchmarks import report

    if size not in SIZES:
        raise BenchError(f"未知的规模“{size}”，应为 {'、'.join(SIZES)} 之一。")
    if results_units is not None and results_units < 1:
        raise BenchError("--results-units 必须至少为 1。")
    wanted = [name for name in BENCHMARKS if not only or name in only]
    conf = SIZES[size]
    if results_units is not None:
        conf = replace(conf, results_postgres=(results_units, conf.results_postgres[1]),
                       results_sqlite=(results_units, conf.results_sqlite[1]))
    workdir = Path(workdir or getattr(settings, "BENCH_DIR", Path(settings.DATA_DIR) / "bench"))
    workdir.mkdir(parents=True, exist_ok=True)
    sqlite_file = workdir / f"bench-{size}.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{sqlite_file}"
    sections = _sections(size, conf)
    started_at = datetime.now(UTC)
    load_before = machine.load()
    start = time.perf_counter()
    pg = Postgres(say)
    needs_pg = postgres and any(name in wanted for name in ("results", "api", "grid", "export", "survey", "overview",
                                                          "ledger", "cockpit"))

    existing = output.read_text(encoding="utf-8") if only and output.is_file() else None
    command = _command(size) + (f" --results-units {results_units}" if results_units is not None else "") + (
        f" --only {' '.join(wanted)}" if only else "")

    def write() -> None:  # after every section, so an interrupted run leaves what it measured
        load = (load_before, machine.load())
        for name in wanted:
            sections[name].stamp = report.stamp(command, started_at, load)
        text = report.render(
            size=size, command=command, sections=[sections[n] for n in wanted],
            machine_rows=machine.describe(pg.version), started_at=started_at, elapsed=time.perf_counter() - start,
            load=load, database_notes=[n for n in (pg.note,) if n], runs=conf.runs, warmup=conf.warmup)
        if existing is not None:  # only these sections: the others stay as the file has them
            text = report.merge(existing, text, [f"## {sections[n].title}" for n in BENCHMARKS])
        output.write_text(text, encoding="utf-8")

    try:
        if needs_pg:
            say("启动 PostgreSQL……")
            pg.start()
            say(pg.note)
        elif not postgres:
            pg.note = "PostgreSQL not used (--no-postgres)"
        for name in wanted:
            section = sections[name]
            say(f"== {section.title}")
            try:
                _run_one(name, size, conf, section, pg, sqlite_url, workdir, say)
            except Exception as error:  # one benchmark failing must not lose the others
                section.notes.append(f"failed: {type(error).__name__}: {error}")
                say(f"失败：{type(error).__name__}: {error}")
            write()
    finally:
        pg.stop()
    write()
    return output


def _run_one(name: str, size: str, conf: Size, section: Section, pg: Postgres, sqlite_url: str, workdir: Path,
             say: Callable[[str], None]) -> None:
    if name == "results":
        targets = ([("PostgreSQL", pg.url, conf.results_postgres)] if pg.url else []) + [
            ("SQLite", sqlite_url, conf.results_sqlite)]
        if not pg.url:
            section.notes.append(pg.note or "PostgreSQL not used")
        for _label, url, (units, items) in targets:
            section.figures += _child(name, size, url, units, items, say, section)
            section.figures += _child("memory", size, url, units, items, say, section)
            scaled = f" --results-units {conf.results_sqlite[0]}" if conf != SIZES[size] else ""
            section.command = f"python -m benchmarks run --{size}{scaled} --only results"
    elif name == "export":
        url, (units, items) = (pg.url, conf.results_postgres) if pg.url else (sqlite_url, conf.results_sqlite)
        section.figures += _child(name, size, url, units, items, say, section)
        scaled = f" --results-units {units}" if conf != SIZES[size] else ""
        section.command = f"python -m benchmarks run --{size}{scaled} --only export"
    elif name == "spreadsheet":
        units, items = conf.spreadsheet
        section.figures += _child(name, size, sqlite_url, units, items, say, section)
        section.command = f"python -m benchmarks run --{size} --only spreadsheet"
    elif name == "scheme":
        from benchmarks import scheme as scheme_bench

        section.figures += scheme_bench.measure(criteria=conf.criteria, runs=max(conf.runs, 5), warmup=conf.warmup)
        section.command = f"python -m benchmarks run --{size} --only scheme"
    elif name in ("api", "grid", "survey", "overview", "ledger", "cockpit"):
        module_name = {"api": "benchmarks.api.load", "grid": "benchmarks.grid", "survey": "benchmarks.survey_load",
                       "overview": "benchmarks.overview", "ledger": "benchmarks.ledger",
                       "cockpit": "benchmarks.cockpit"}[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            section.notes.append(f"not run: {module_name} is not available ({error})")
            return
        section.figures += list(module.run(size, pg.url))
        section.command = f"python -m benchmarks run --{size} --only {name}"
        if not pg.url:
            section.notes.append("on SQLite: " + (pg.note or "PostgreSQL not used"))
    elif name == "hostile":
        from benchmarks import hostile

        section.figures += hostile.run(size, workdir, say)
        section.command = f"python -m benchmarks run --{size} --only hostile"
    elif name == "documents":
        items = 60 if size != "tiny" else 6
        if size == "tiny":
            section.notes.append("the demo cycle is not run at the tiny size (it builds the demo database)")
        else:
            demo_file = workdir / f"bench-{size}-demo.sqlite3"
            demo_file.unlink(missing_ok=True)
            section.figures += _child("documents-demo", size, f"sqlite:///{demo_file}", 0, 0, say, section)
        section.figures += _child("documents", size, sqlite_url, conf.documents, items, say, section)
        section.command = f"python -m benchmarks run --{size} --only documents"
    elif name == "pages":
        if size == "tiny":
            section.notes.append("not run at the tiny size (it builds the demo database)")
            return
        from benchmarks import pytest_figures

        section.figures += pytest_figures.run(CHECKOUT, workdir, say)


def _child(name: str, size: str, url: str, units: int, items: int, say: Callable[[str], None],
           section: Section) -> list[Figure]:
    code, figures = run_child(["measure", name, "--size", size, "--units", str(units), "--items", str(items)],
                              url, echo=lambda line: say(f"  {line}"), env={"KAOHE_BENCH_CHILD": "measure"})
    if code != 0 or figures is None:
        section.notes.append(f"`python -m benchmarks measure {name}` on {url.split(':', 1)[0]} failed (exit code {code}); "
                             "see the runner's output")
        return []
    return figures


def is_number(value: float) -> bool:
    return isinstance(value, int | float) and not math.isnan(value)

