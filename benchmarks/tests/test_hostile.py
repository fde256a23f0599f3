"""The hostile-sheet benchmark's code (benchmarks/hostile.py) at the tiny size, so it cannot rot:
one installation served by Django's server, each sheet once, two seconds of load. No timing is
asserted; what is checked is that every hostile sheet was refused cleanly and nothing answered 5xx."""

from __future__ import annotations

from benchmarks.hostile import HOSTILE, run


def test_the_tiny_run_measures_every_sheet_and_the_page_under_load(tmp_path):
    figures = run("tiny", tmp_path, say=lambda line: None)
    refused = [f for f in figures if f.what.startswith("refusing ")]
    assert len(refused) == len(HOSTILE) + 1  # and the oversized body
    assert [f.what for f in refused if not f.what.endswith(("(422)", "(413)"))] == []
    page = next(f for f in figures if "while four clients upload hostile sheets" in f.what)
    assert page.met is not None and "0 server errors" in page.what
    assert any(f.what.startswith("legitimate, unchanged (200)") for f in figures)
