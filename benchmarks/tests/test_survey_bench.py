"""The meeting benchmark of issue 17 at the tiny size (12 raters in 3 s on SQLite), so its code
cannot rot: a real `kaohe runserver` on a fresh database, every rater's ballot stored once, the
second submits and guesses refused cleanly, and the section written with its figures. No timing is
asserted."""

from __future__ import annotations

import pytest

from benchmarks import survey_load
from benchmarks.measure import Figure


def test_a_tiny_meeting_stores_one_ballot_per_rater_and_refuses_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(survey_load, "DOUBLE_SUBMITS", 3)
    monkeypatch.setattr(survey_load, "GUESSES", 2)
    data = survey_load._run(tmp_path / "meeting", None, raters=12, seconds=3.0, say=lambda text: None)
    assert (data["raters"], data["ballots"], data["used_codes"], data["lost"]) == (12, 12, 12, 0)
    assert data["server_errors"] == 0 and data["failures"] == []
    assert data["refused"] == {400: 5}
    figures = survey_load.figures_of(data)
    assert all(isinstance(f, Figure) and f.unit == "s" and f.value > 0 for f in figures)
    assert figures[0].target == "< 1 s" and "ballots stored 12" in figures[0].notes[0]


@pytest.mark.parametrize("size", ["quick", "full"])
def test_the_issue_sizes_are_500_raters_in_a_minute(size):
    assert survey_load.SIZES[size] == (500, 60.0)
