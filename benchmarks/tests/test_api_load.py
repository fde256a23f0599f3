"""The API load benchmark's code (benchmarks/api/) at a tiny size (4 clients, 2 seconds),
so it cannot rot: gunicorn and PostgreSQL really run and every save is checked in the database
afterwards. No timings are asserted. Needs PostgreSQL: KAOHE_TEST_POSTGRES_URL (its server gets a
database of its own), else a throwaway cluster; skipped with a message when neither is there
(a failure under CI)."""

from __future__ import annotations

import math
import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from benchmarks import cluster
from benchmarks.api import load


@pytest.fixture
def database_url() -> str | None:
    given = os.environ.get("KAOHE_TEST_POSTGRES_URL")
    if given:
        return urlunsplit(urlsplit(given)._replace(path="/kaohe_bench_api_test"))
    if not cluster.available():
        message = "the API load benchmark needs PostgreSQL: set KAOHE_TEST_POSTGRES_URL or install the server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return None  # run() starts and stops a throwaway cluster


def test_the_api_load_benchmark_saves_under_load_and_checks_every_write(database_url):
    figures = {f.what: f for f in load.run("tiny", database_url)}
    assert "not run" not in figures, figures.get("not run")
    saves, latency = figures["saves per second (PUT score)"], figures["save latency p95"]
    ceiling, check = figures["ping per second (the ceiling)"], figures["writes checked after the run"]
    assert saves.value > 0 and ceiling.value > 0 and saves.baseline_value == ceiling.value
    assert saves.target == "≥ 60% of the ceiling" and saves.met is not None
    assert latency.unit == "ms" and latency.spread[0] <= latency.value <= latency.spread[1]
    assert check.met is True and check.value > 0 and check.notes == ["every success is in the database exactly once"]
    assert "errors: none" in saves.notes[1] and "all match" in saves.notes[2]
    cpu = next(f for what, f in figures.items() if what.startswith("server CPU per save"))
    assert math.isfinite(cpu.value) and cpu.value > 0 and cpu.baseline_value > 0
    split = next(note for note in cpu.notes if note.startswith("per server: gunicorn "))
    assert "ms per save" in split and "ms per ping" in split  # and PostgreSQL's share when it runs here


def test_a_missing_postgresql_is_said_not_raised(monkeypatch):
    monkeypatch.setattr(cluster, "available", lambda: False)
    figures = load.run("tiny", None)
    assert len(figures) == 1 and figures[0].what == "not run" and math.isnan(figures[0].value)
    assert "PostgreSQL server programs (initdb) not found" in figures[0].notes[0]
