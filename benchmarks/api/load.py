"""Benchmark 2 itself: prepare, serve, drive the ping, the saves and the paced saves, check, report
(the design is in this package's docstring)."""

from __future__ import annotations

import tempfile
from decimal import Decimal

from benchmarks import cluster
from benchmarks.api.database import child
from benchmarks.api.driver import Client, Task, load
from benchmarks.api.figures import figures
from benchmarks.api.plan import PACED_SHARE, SIZES, LoadError, Plan
from benchmarks.api.server import gunicorn
from benchmarks.measure import Figure


def run(size: str, database_url: str | None) -> list[Figure]:
    """The figures of benchmark 2 at `size` ("tiny", "quick" or "full")."""
    plan = SIZES[size]
    try:
        return _run(plan, database_url)
    except (LoadError, cluster.ClusterError) as error:
        return [Figure(benchmark="API saves under load (gunicorn, PostgreSQL)", what="not run", value=float("nan"),
                       unit="req/s", notes=[str(error)])]


def _run(plan: Plan, database_url: str | None) -> list[Figure]:
    if plan.units < plan.clients:
        raise LoadError(f"{plan.clients} clients need at least as many units, not {plan.units}")
    with tempfile.TemporaryDirectory(prefix="kaohe-api-load-") as data_dir, cluster.postgres(database_url, "kaohe_bench_api") as url:
        cluster.ensure_database(url)
        prepared = child("prepare", url, data_dir, {"clients": plan.clients, "units": plan.units,
                                                     "items": plan.items})
        clients = [Client(token=c["token"], tasks=[
            Task(t[0], t[1], Decimal(t[2]), t[3], None if t[4] is None else Decimal(t[4])) for t in c["tasks"]])
            for c in prepared["clients"]]
        with gunicorn(url, data_dir) as (host, port, pid):
            servers = {"gunicorn": pid}
            if (database := cluster.postmaster(url)) is not None:
                servers["PostgreSQL"] = database
            ceiling = load((host, port), "ping", clients, plan, servers=servers)
            saves = load((host, port), "save", clients, plan, prepared["cycle"], Decimal(prepared["step"]),
                         servers=servers)
            # the same clients at half the saves' capacity: the latency of a server that is not saturated
            interval = plan.clients / (PACED_SHARE * saves.throughput) if saves.throughput else 1.0
            paced = load((host, port), "save", clients, plan, prepared["cycle"], Decimal(prepared["step"]),
                         servers=servers, interval=interval)
        prepared["servers"] = "gunicorn and PostgreSQL" if len(servers) > 1 else "gunicorn (PostgreSQL not local)"
        check = child("check", url, data_dir, {
            "cycle": prepared["cycle"], "events_before": prepared["events"],
            "tasks": [[t.unit, t.item, t.version, t.successes, None if t.last is None else str(t.last)]
                      for c in clients for t in c.tasks],
            "versions_before": prepared["versions"]})
    return figures(plan, ceiling, saves, check, prepared, paced)


