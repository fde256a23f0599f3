"""The figures of the pytest-benchmark benchmarks of the demo (issues 2, 3, 5), folded into the runner.

`run()` runs `pytest -m bench tests/web/test_bench_pages.py` on SQLite (the demo database the web
tests build) with `--benchmark-json`, and turns each benchmark into a Figure: the median in ms,
[min, max], and the rounds. Extra information a benchmark records (peak bytes) becomes a note.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.measure import Figure

FILES = ("tests/web/test_bench_pages.py",)

WHAT = {
    "test_render_the_scoring_grid_of_the_largest_department":
        "render the scoring grid of the demo's largest department (市委组织部: 1,025 tasks over 18 units)",
    "test_download_the_largest_departments_scoring_sheet": "download its scoring sheet (xlsx, protected, manifest)",
    "test_list_a_departments_tasks_through_the_api": "list its tasks through the API",
    "test_export_the_county_scheme_as_the_official_xlsx": "export the county scheme as the official xlsx",
    "test_exporting_ten_times_the_audit_events_takes_no_more_memory":
        "audit export: write an empty export (peak bytes at 200 and 2,000 events in the note)",
    "test_compute_the_results_of_the_demo_cycle": "compute the results of the demo cycle (18 units, 3,696 tasks)",
    "test_render_the_results_dashboard": "render the results dashboard of the demo cycle",
    "test_read_the_results_of_the_demo_cycle_through_the_api":
        "read the demo cycle's results through the API (computed now, every figure as JSON)",
    "test_render_the_results_page_of_the_demo_cycle": "render the results page of the demo cycle (the office's)",
}


def run(repository: Path, workdir: Path, say: Callable[[str], None]) -> list[Figure]:
    files = [f for f in FILES if (repository / f).is_file()]
    if not files:
        return []
    out = workdir / "pytest-benchmark.json"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-m", "bench", "-q",
                           "--benchmark-only", f"--benchmark-json={out}", *files],
                          cwd=repository, env=env, capture_output=True, text=True)
    say(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-300:])
    if not out.is_file():
        raise RuntimeError(f"pytest wrote no benchmark figures (exit code {done.returncode})")
    return figures_from(json.loads(out.read_text(encoding="utf-8")))


def figures_from(data: dict) -> list[Figure]:
    figures = []
    for bench in data.get("benchmarks", []):
        stats = bench["stats"]
        name = bench["name"].split("[")[0]
        notes = [f"{stats['rounds']} rounds"]
        for key, value in (bench.get("extra_info") or {}).items():
            notes.append(f"{key}: {value}")
        figures.append(Figure("demo pages and files", WHAT.get(name, name), stats["median"] * 1000, "ms",
                              (stats["min"] * 1000, stats["max"] * 1000), notes=notes))
    return figures
