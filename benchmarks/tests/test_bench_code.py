"""The benchmark code at a tiny size, so it cannot rot (issue 6). No timing is asserted anywhere:
these tests check that the generator writes the cycle it says, that its results are computed by
the real code path, and that `python -m benchmarks run` (here through `kaohe bench`, its alias in a
checkout) writes every section with numbers in it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from benchmarks.generate import GenerateError, cycle_name, generate
from benchmarks.measure import Figure
from benchmarks.synthetic import cycle_scheme, large_scheme
from kaohe.core.check import check


def test_the_synthetic_cycle_scheme_checks_clean_and_has_the_items_asked_for():
    units = [f"单位{i}" for i in range(6)]
    scheme = cycle_scheme("s", 61, units, {"甲": units[:3], "乙": units[3:]}, ["部门一", "部门二"])
    assert sum(1 for _ in scheme.leaves()) == 61
    assert [f for f in check(scheme) if f.is_error] == []
    assert scheme.total == sum((leaf.points for leaf in scheme.leaves()), Decimal(0))


def test_the_large_scheme_checks_clean():
    scheme = large_scheme(200)
    assert [f for f in check(scheme) if f.is_error] == []


@pytest.mark.django_db
def test_generate_writes_units_times_items_scores_with_deductions_and_adjustments():
    from kaohe.cycles.models import Cycle, CycleUnit, Score
    from kaohe.results import service
    from kaohe.results.models import Adjustment

    made = generate(40, 6, seed=3)
    cycle = Cycle.objects.get(pk=made.cycle_id)
    assert cycle.name == cycle_name(40, 6, 3) and cycle.status == Cycle.Status.OPEN
    assert made.scores == Score.objects.filter(cycle=cycle).count() == 40 * 6
    assert CycleUnit.objects.filter(cycle=cycle).count() == 40
    assert set(CycleUnit.objects.filter(cycle=cycle).values_list("category", flat=True)) == {
        "县(市)", "城市区", "功能区", "市直单位"}
    scores = Score.objects.filter(cycle=cycle)
    # every task scored; a deduction always has a reason, full marks never do
    assert not scores.filter(points__isnull=True).exists()
    deducted = scores.exclude(reason="")
    assert deducted.count() == made.deductions > 0
    assert not scores.filter(reason="", points__lt=models_f("node__points")).exists()
    assert not deducted.filter(points__gte=models_f("node__points")).exists()
    assert Adjustment.objects.filter(cycle=cycle).count() == made.adjustments
    # the real results path reads it: one result per unit, ranked inside the four groups
    results = service.compute_cycle(cycle)
    assert len(results) == 40 and all(r.complete for r in results)
    assert {r.group for r in results} == {"县(市)", "城市区", "功能区", "市直单位"}
    by_unit = dict(scores.values_list("unit__code").annotate(s=Sum("points")).values_list("unit__code", "s"))
    assert all(r.obtained == by_unit[r.code] for r in results)
    per_unit = scores.values("unit").annotate(n=Count("pk"), deducted=Count("pk", filter=~Q(reason="")))
    assert {row["n"] for row in per_unit} == {6}


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_scores_and_a_second_cycle_of_it_is_refused():
    from kaohe.cycles.models import Score

    first = generate(12, 4, seed=9)
    points = list(Score.objects.filter(cycle_id=first.cycle_id).order_by("unit__position", "node__position")
                  .values_list("points", flat=True))
    with pytest.raises(GenerateError, match="已有合成考核周期"):
        generate(12, 4, seed=9)
    other = generate(12, 4, seed=10)
    again = list(Score.objects.filter(cycle_id=other.cycle_id).order_by("unit__position", "node__position")
                 .values_list("points", flat=True))
    assert len(points) == len(again) == 48 and points != again


def models_f(name: str):
    from django.db.models import F

    return F(name)


@pytest.fixture
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


def test_generate_command_fills_its_own_database_not_kaohes(tmp_path, capsys, _keep_the_test_connection):
    from kaohe.cli.main import main

    target = tmp_path / "bench.sqlite3"
    assert main(["bench", "generate", "--units", "30", "--items", "6", "--db", f"sqlite:///{target}"]) == 0
    out = capsys.readouterr().out
    assert "30 个单位 × 6 项 = 180 个评分" in out
    import sqlite3

    with sqlite3.connect(target) as db:
        assert db.execute("SELECT COUNT(*) FROM cycles_score").fetchone() == (180,)
    assert main(["bench", "generate", "--units", "30", "--items", "6", "--db", f"sqlite:///{target}"]) == 1
    assert main(["bench", "generate", "--units", "0", "--items", "6", "--db", f"sqlite:///{target}"]) == 1
    err = capsys.readouterr().err
    assert "已有合成考核周期" in err and "至少为 1" in err


SECTIONS = ["## Machine", "## Method", "## 1. Results for a whole cycle", "## 4. Streaming xlsx export",
            "## 5. Reading and checking schemes", "## 6. The spreadsheet route"]


def test_the_runner_writes_every_section_with_numbers(tmp_path, capsys, _keep_the_test_connection):
    from kaohe.cli.main import main

    output = tmp_path / "BENCHMARKS.md"
    code = main(["bench", "run", "--tiny", "--no-postgres", "--only", "results", "export", "scheme", "spreadsheet",
                 "--results-units", "24", "--output", str(output), "--workdir", str(tmp_path / "work")])
    assert code == 0, capsys.readouterr()
    text = output.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert heading in text
    assert "failed" not in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and " | " in line[2:]]
    # every figure row has a number and a unit in its value column
    figures = [row for row in rows if row.count("|") == 8 and not row.startswith("| what")]
    values = [row.split("|")[2].strip() for row in figures]
    assert len(values) >= 10
    for value in values:
        assert value == "—" or re.fullmatch(r"-?[\d,]+(\.\d+)? (s|ms|MB)", value), value
    assert sum(value != "—" for value in values) >= 10
    # the results (and the export of their cycle) at the units asked for (--results-units)
    assert "compute_cycle: sums, percent, ranks, grades (24 units × 6 items = 144 scores)" in text
    assert "Rerun: `python -m benchmarks run --tiny --results-units 24 --only results`" in text
    # the floor: DuckDB (the `bench` extra, installed with the tests) computed the same results
    assert text.count("agrees with compute_cycle on all 24 units") == 4 and "DISAGREES" not in text
    assert "the faster is" in text and "peak memory computing the results of 24 units" in text
    assert re.search(r"CPU time of one compute_cycle \([\d.]+ s on the clock\): this process [\d.]+ s", text)


def test_figures_from_pytest_benchmark_json():
    from benchmarks.pytest_figures import figures_from

    data = {"benchmarks": [{"name": "test_render_the_results_dashboard", "extra_info": {},
                            "stats": {"median": 0.036, "min": 0.035, "max": 0.04, "rounds": 12}}]}
    [figure] = figures_from(data)
    assert isinstance(figure, Figure) and figure.unit == "ms" and round(figure.value, 3) == 36.0
    assert figure.spread == (35.0, 40.0) and figure.notes == ["12 rounds"]


def test_kaohe_bench_without_the_checkouts_benchmarks_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from kaohe.cli import main as cli

    monkeypatch.setattr(cli, "CHECKOUT", tmp_path)  # an installed package: no benchmarks/ beside it
    assert cli.main(["bench", "run", "--tiny"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "kaohe bench 只能在源码检出中运行" in captured.err and str(tmp_path) in captured.err


def test_the_benchmarks_are_neither_in_production_settings_nor_in_the_package():
    import tomllib

    from django.conf import settings

    from benchmarks import CHECKOUT

    assert not [app for app in settings.INSTALLED_APPS if "bench" in app]
    packages = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert packages["packages"]["find"]["include"] == ["kaohe*"]
    assert not (CHECKOUT / "kaohe" / "bench").exists()


def test_a_run_of_some_sections_replaces_only_those_in_an_existing_file(tmp_path, capsys, _keep_the_test_connection):
    from kaohe.cli.main import main

    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nAn older run.\n\n## Machine\n\n| CPU | old |\n\n"
                      "## 2. Saving scores through the API under load\n\nOld API figures.\n\n"
                      "## 5. Reading and checking schemes\n\nOld scheme figures.\n", encoding="utf-8")
    code = main(["bench", "run", "--tiny", "--no-postgres", "--only", "scheme", "--output", str(output),
                 "--workdir", str(tmp_path / "work")])
    assert code == 0, capsys.readouterr()
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nAn older run.\n\n## Machine\n\n| CPU | old |\n")
    assert "Old API figures." in text and "Old scheme figures." not in text
    assert text.index("## 2. Saving scores") < text.index("## 5. Reading and checking schemes")
    assert "Measured by `python -m benchmarks run --tiny --only scheme` on " in text
    assert "check a synthetic scheme of 200 criteria" in text and text.count("## 5. Reading") == 1


def test_the_demo_pages_benchmarks_run_once_untimed():
    """tests/web/test_bench_pages.py is marked `bench`, so the suite leaves it out: run each of its
    benchmarks once, untimed, so they cannot rot unseen (its audit export's fake events once did)."""
    import subprocess
    import sys

    from benchmarks import CHECKOUT

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-m",
                           "bench", "--benchmark-disable", "tests/web/test_bench_pages.py"],
                          cwd=CHECKOUT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]  # 5 would be: none collected
    assert re.search(r"\b\d+ passed\b", done.stdout), done.stdout[-1000:]
