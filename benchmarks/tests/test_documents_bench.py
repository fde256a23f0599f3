"""Benchmark 11 (issue 15) at the tiny size, so its code cannot rot: the runner writes its section
with the figures of a synthetic cycle's scorecards in one PDF."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


def test_the_documents_section_measures_the_scorecards_pdf(tmp_path, capsys, _keep_the_test_connection):
    from kaohe.cli.main import main

    output = tmp_path / "BENCHMARKS.md"
    code = main(["bench", "run", "--tiny", "--no-postgres", "--only", "documents", "--output", str(output),
                 "--workdir", str(tmp_path / "work")])
    assert code == 0, capsys.readouterr()
    text = output.read_text(encoding="utf-8")
    assert "## 11. Every unit's scorecard in one PDF (issue 15)" in text and "failed" not in text
    assert re.search(r"bench-4x6-s1: the scorecards of 1 unit, [1-9]\d* pages", text), text
    assert re.search(r"bench-4x6-s1: the scorecards of 4 units, ([4-9]|\d\d+) pages", text), text
    assert "peak memory growth while writing 4 units" in text
