"""A benchmark measured in child processes: one on a temporary SQLite file and, when given, one on
PostgreSQL, each with its own settings (`benchmarks.settings`) and database, so the figures of one
never share a process, a cache or a connection with another's. The child prints its figures on one
marked line; the parent reads them back or records why the child failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from benchmarks import CHECKOUT, cluster
from benchmarks.measure import Figure

MARK = "KAOHE-BENCHMARK-FIGURES "


def run_in_children(module: str, benchmark: str, size: str, database_url: str | None) -> list[Figure]:
    """`python -m module SIZE LABEL` on a temporary SQLite file, and on `database_url` (PostgreSQL)
    when given; `benchmark` names the figures of a child that did not run."""
    name = module.rsplit(".", 1)[-1]
    figures = []
    with tempfile.TemporaryDirectory(prefix=f"kaohe-{name}-") as folder:
        targets = [("SQLite", f"sqlite:///{Path(folder) / f'{name}.sqlite3'}")]
        if database_url:
            try:
                cluster.ensure_database(database_url)  # a fresh cluster has no database of that name yet
            except cluster.ClusterError as error:
                figures.append(Figure(benchmark=f"{benchmark} (PostgreSQL)", what="not run", value=float("nan"),
                                      unit="ms", notes=[str(error)]))
            else:
                targets.append(("PostgreSQL", database_url))
        for label, url in targets:
            environment = {**os.environ, "DATABASE_URL": url, "KAOHE_DATA_DIR": folder,
                           "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
            done = subprocess.run([sys.executable, "-m", module, size, label],
                                  capture_output=True, text=True, cwd=CHECKOUT, env=environment, check=False)
            line = next((x[len(MARK):] for x in done.stdout.splitlines() if x.startswith(MARK)), None)
            if done.returncode != 0 or line is None:
                figures.append(Figure(benchmark=f"{benchmark} ({label})", what="not run", value=float("nan"),
                                      unit="ms", notes=[f"failed (exit code {done.returncode}): "
                                                        f"{done.stderr.strip()[-1500:]}"]))
                continue
            for data in json.loads(line):
                data["spread"] = tuple(data["spread"]) if data["spread"] else None
                figures.append(Figure(**data))
    return figures


def child_main(measure: Callable[[str, str], list[Figure]]) -> None:
    """The child's side: set Django up, migrate the fresh database, measure, print the figures."""
    import django  # the parent never sets Django up: only the child, with the settings it was given

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    django.setup()
    from django.core.management import call_command  # after setup, as Django's app loading needs

    from kaohe.audit.context import acting_as

    size, label = sys.argv[1], sys.argv[2]
    call_command("migrate", verbosity=0)
    with acting_as(name="kaohe bench"):
        figures = measure(size, label)
    print(MARK + json.dumps([asdict(f) for f in figures], ensure_ascii=False))
