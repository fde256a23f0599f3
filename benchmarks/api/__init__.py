"""Benchmark 2 (issue 6): saving scores through the API under concurrent clients.

The stack is the production one: gunicorn (`kaohe.web.wsgi`) on a free loopback port, PostgreSQL
(the `database_url` given, else a throwaway cluster from scripts/pg-throwaway, stopped after).
A child process prepares the database (`python -m benchmarks.api.database prepare`): migrations, a
synthetic department (`benchmarks.grid.build_department`) of `units` × `items` tasks, one scorer
and one API token per client. Each client owns the tasks of its own units, so the clients never
save the same score (no 409 is expected; any is counted as an error).

Three runs with the same clients (threads in this process, one keep-alive HTTP connection each),
the first two each sending its next request as soon as the answer is in (a closed loop):

- the ceiling: `GET /api/v1/ping` (authentication and a JSON answer, nothing else);
- the saves: `PUT /api/v1/cycles/<id>/scores/<unit>/<item>` with `{points, reason, version}`,
  each client going round its tasks, alternating full marks and full marks minus one step (with
  a reason), always with the version the previous answer gave, so every save changes the score;
- the paced saves: the same saves, each client sending one every `interval` seconds (an open loop
  at PACED_SHARE of the closed loop's saves per second): the latency of a server with headroom.

Measured: requests per second, and latency p50 / p95 / p99 from the client's side (request sent
to answer read). After the run a child process (`… check`) compares the database with what the
clients saw: every task's version grew by exactly its number of successful saves, its points are
the last ones saved, and the audit trail holds exactly one `score.update` event per success
(`source: api`): no lost and no duplicated writes.

With a closed loop, latency is bound to throughput (Little's law: latency ≈ clients ÷ throughput),
so the p95 of 32 clients on a saturated 2-core machine says how fast the machine is, not only how
slow a request is (even the ping's p95 is hundreds of milliseconds there); the paced run gives the
p95 that the issue's < 50 ms target can be read against.

gunicorn: `gthread` workers (WORKERS processes × THREADS threads) keep the clients' connections
open (the `sync` worker closes each one) and overlap the waits on PostgreSQL; two processes for

One concern a module: `plan` (sizes and server settings), `server` (gunicorn and the servers' CPU),
`driver` (the HTTP clients and what a run measures), `database` (the child process that prepares
the database and checks it afterwards), `figures` (a run's figures for BENCHMARKS.md) and `load`
(the benchmark itself, `run`). The throwaway PostgreSQL is `benchmarks.cluster`, shared with the
runner and the grid benchmark.
"""
