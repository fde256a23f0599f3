"""Benchmark 2 (issue 6): saving scores through the API under concurrent clients.

The stack is the production one: gunicorn (`kaohe.web.wsgi`) on a free loopback port, PostgreSQL
(the `database_url` given, else a throwaway cluster from scripts/pg-throwaway, stopped after).
A child process prepares the database (`python -m kaohe.bench.api_load prepare`): migrations, a
synthetic department (`kaohe.bench.grid.build_department`) of `units` × `items` tasks, one scorer
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
two cores, since Python runs one thread at a time per process.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from kaohe.bench.measure import Figure

REPOSITORY = Path(__file__).resolve().parents[2]
PG_THROWAWAY = REPOSITORY / "scripts" / "pg-throwaway"
WORKERS = 2
PACED_SHARE = 0.5  # the paced run offers this share of the closed-loop saves per second
THREADS = 8
MARK = "KAOHE-API-LOAD "


@dataclass(frozen=True)
class Plan:
    clients: int
    seconds: float  # of each timed run
    warmup: float  # seconds of requests before each timed run, not counted
    units: int
    items: int


SIZES = {
    "tiny": Plan(clients=4, seconds=2, warmup=0.5, units=8, items=4),
    "quick": Plan(clients=32, seconds=10, warmup=2, units=64, items=40),
    "full": Plan(clients=32, seconds=30, warmup=3, units=64, items=40),
}


class LoadError(Exception):
    """The benchmark could not run (no PostgreSQL, gunicorn did not start …); the message says why."""


# ---------------------------------------------------------------------------------------------
# PostgreSQL and gunicorn

def postgres_available() -> bool:
    """Whether a throwaway cluster can be started here (initdb installed)."""
    return bool(shutil.which("initdb") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))


@contextlib.contextmanager
def postgres(database_url: str | None) -> Iterator[str]:
    """The database to use: `database_url`, or a throwaway cluster for the time of the block."""
    if database_url:
        yield database_url
        return
    if not postgres_available():
        raise LoadError("PostgreSQL server programs (initdb) not found: give a database URL or install PostgreSQL")
    started = subprocess.run([str(PG_THROWAWAY), "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        raise LoadError(f"scripts/pg-throwaway start failed: {started.stderr.strip()}")
    exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
                   if line.startswith("export "))
    try:
        url = exports["KAOHE_TEST_POSTGRES_URL"]
        yield urlunsplit(urlsplit(url)._replace(path="/kaohe_bench_api"))
    finally:
        subprocess.run([str(PG_THROWAWAY), "stop", exports["KAOHE_PG_DIR"]], capture_output=True, check=False)


def _ensure_database(url: str) -> None:
    """Create the URL's database when the server does not have it yet (a fresh cluster)."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise LoadError(f"cannot connect to {url}: {error}") from None
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database_url: str, data_dir: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "KAOHE_DATA_DIR": data_dir, "KAOHE_DEBUG": "false",
            "KAOHE_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SETTINGS_MODULE": "kaohe.web.settings"}


@contextlib.contextmanager
def gunicorn(database_url: str, data_dir: str) -> Iterator[tuple[str, int, int]]:
    """gunicorn serving Kaohe on a free loopback port; yields (host, port, its pid) once it answers."""
    port = free_port()
    log = Path(data_dir) / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "kaohe.web.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
               "--keep-alive", "30", "--backlog", "256", "--log-level", "warning", "--error-logfile", str(log)]
    server = subprocess.Popen(command, env=_environment(database_url, data_dir), cwd=REPOSITORY,  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise LoadError(f"gunicorn ended at start (exit code {server.returncode}): "
                                f"{log.read_text(errors='replace')[-2000:] if log.exists() else ''}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/api/v1/ping")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise LoadError("gunicorn did not answer within 60 s") from None
                time.sleep(0.2)
            finally:
                connection.close()
        yield "127.0.0.1", port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _process_tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and all their descendants,
    read from /proc (Linux); 0 where it cannot be read. Reaped children count in their parent."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(value) for value in fields[11:15]) / tick
    wanted, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in wanted:
                wanted.add(pid)
                frontier.append(pid)
    return sum(times.get(pid, 0.0) for pid in wanted)


def postmaster(database_url: str) -> int | None:
    """The local PostgreSQL server process that listens on the URL's port, if there is one here."""
    port = str(urlsplit(database_url).port or 5432)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [word.decode(errors="replace") for word in command]
        if words and Path(words[0]).name in ("postgres", "postmaster") and "-p" in words and \
                words[words.index("-p") + 1:words.index("-p") + 2] == [port]:
            return int(entry.name)
    return None


def _child(action: str, database_url: str, data_dir: str, payload: dict) -> dict:
    """Run `python -m kaohe.bench.api_load <action>` on the database; its answer is one JSON line."""
    done = subprocess.run([sys.executable, "-m", "kaohe.bench.api_load", action],  # noqa: S603
                          input=json.dumps(payload), capture_output=True, text=True, cwd=REPOSITORY,
                          env=_environment(database_url, data_dir), check=False)
    answer = next((line[len(MARK):] for line in done.stdout.splitlines() if line.startswith(MARK)), None)
    if done.returncode != 0 or answer is None:
        raise LoadError(f"`{action}` failed (exit code {done.returncode}): {done.stderr.strip()[-3000:]}")
    return json.loads(answer)


# ---------------------------------------------------------------------------------------------
# The clients

@dataclass
class Task:
    unit: str
    item: str
    maximum: Decimal
    version: int
    last: Decimal | None  # the points saved last (before the run: what the task had)
    successes: int = 0


@dataclass
class Client:
    token: str
    tasks: list[Task]
    latencies: list[float] = field(default_factory=list)  # seconds, of the timed window
    errors: dict[str, int] = field(default_factory=dict)
    next_task: int = 0
    answered: int = 0  # every answer, warm-up included


def _body(task: Task, step: Decimal) -> tuple[str, str]:
    """Full marks if the task has less, else one step less with a reason: always a change."""
    points = task.maximum - step if task.last == task.maximum else task.maximum
    reason = "" if points == task.maximum else "基准测试：材料不全"
    return points, json.dumps({"points": str(points), "reason": reason, "version": task.version})


def _drive(client: Client, address: tuple[str, int], kind: str, cycle: int, step: Decimal,
           start: float, stop: float, end: float, barrier: threading.Barrier, interval: float = 0.0) -> None:
    """`interval` 0: a closed loop (the next request as soon as the answer is in). Otherwise paced:
    one request every `interval` seconds from a random phase (late answers are not made up for)."""
    headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection(*address, timeout=30)
    barrier.wait()
    due = time.perf_counter() + random.random() * interval  # noqa: S311 - spreading, not security
    while True:
        now = time.perf_counter()
        if interval:
            if due > now:
                time.sleep(due - now)
                now = time.perf_counter()
            due = max(due + interval, now)
        if now >= end:
            break
        if kind == "ping":
            method, path, body, task, points = "GET", "/api/v1/ping", None, None, None
        else:
            task = client.tasks[client.next_task % len(client.tasks)]
            client.next_task += 1
            points, body = _body(task, step)
            method = "PUT"
            path = f"/api/v1/cycles/{cycle}/scores/{quote(task.unit)}/{quote(task.item)}"
        began = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            connection = http.client.HTTPConnection(*address, timeout=30)
            client.errors[type(error).__name__] = client.errors.get(type(error).__name__, 0) + 1
            continue
        finished = time.perf_counter()
        client.answered += 1
        if status != 200:
            client.errors[str(status)] = client.errors.get(str(status), 0) + 1
        elif task is not None:
            saved = json.loads(data)
            task.version, task.last = saved["version"], points
            task.successes += 1
        if start <= began and finished <= stop:
            client.latencies.append(finished - began)
    connection.close()


@dataclass
class Run:
    kind: str
    clients: int
    seconds: float
    requests: int  # answered inside the timed window
    latencies: list[float]
    errors: dict[str, int]
    client_cpu: float  # seconds of this process's CPU during the run (the clients' cost)
    answered: int = 0  # answers over the whole run, warm-up included
    server_cpu: float | None = None  # CPU seconds of gunicorn and PostgreSQL over the whole run
    server_cpu_parts: dict[str, float] = field(default_factory=dict)  # the same, per server ("gunicorn" …)

    @property
    def server_cpu_per_request(self) -> float | None:
        """Milliseconds of server CPU (gunicorn + PostgreSQL) per answered request."""
        return None if self.server_cpu is None or not self.answered else 1000 * self.server_cpu / self.answered

    def cpu_per_request(self, server: str) -> float:
        """Milliseconds of one server's CPU per answered request (nan when not measured)."""
        seconds = self.server_cpu_parts.get(server)
        return float("nan") if seconds is None or not self.answered else 1000 * seconds / self.answered

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def load(address: tuple[str, int], kind: str, clients: list[Client], plan: Plan, cycle: int = 0,
         step: Decimal = Decimal("0.1"), servers: dict[str, int] | None = None, interval: float = 0.0) -> Run:
    """Every client in its own thread for warm-up + the timed window (+ a short tail not counted).
    `servers`: name → process id of each server whose CPU (with its children's) is the server's cost.
    `interval`: 0 for a closed loop, else each client sends one request every `interval` seconds."""
    for client in clients:
        client.latencies, client.errors, client.answered = [], {}, 0
    cpu_before = {name: _process_tree_cpu([pid]) for name, pid in (servers or {}).items()}
    barrier = threading.Barrier(len(clients) + 1)
    origin = time.perf_counter() + 0.5
    start, stop = origin + plan.warmup, origin + plan.warmup + plan.seconds
    threads = [threading.Thread(target=_drive, args=(c, address, kind, cycle, step, start, stop, stop + 0.2, barrier,
                                                     interval), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    barrier.wait()
    cpu = time.process_time()
    for thread in threads:
        thread.join()
    latencies = [value for client in clients for value in client.latencies]
    errors: dict[str, int] = {}
    for client in clients:
        for key, count in client.errors.items():
            errors[key] = errors.get(key, 0) + count
    client_cpu = time.process_time() - cpu
    parts = {name: _process_tree_cpu([servers[name]]) - before for name, before in cpu_before.items()}
    return Run(kind, len(clients), plan.seconds, len(latencies), latencies, errors, client_cpu,
               answered=sum(client.answered for client in clients),
               server_cpu=sum(parts.values()) if parts else None, server_cpu_parts=parts)


# ---------------------------------------------------------------------------------------------
# The benchmark

def run(size: str, database_url: str | None) -> list[Figure]:
    """The figures of benchmark 2 at `size` ("tiny", "quick" or "full")."""
    plan = SIZES[size]
    try:
        return _run(plan, database_url)
    except LoadError as error:
        return [Figure(benchmark="API saves under load (gunicorn, PostgreSQL)", what="not run", value=float("nan"),
                       unit="req/s", notes=[str(error)])]


def _run(plan: Plan, database_url: str | None) -> list[Figure]:
    if plan.units < plan.clients:
        raise LoadError(f"{plan.clients} clients need at least as many units, not {plan.units}")
    with tempfile.TemporaryDirectory(prefix="kaohe-api-load-") as data_dir, postgres(database_url) as url:
        _ensure_database(url)
        prepared = _child("prepare", url, data_dir, {"clients": plan.clients, "units": plan.units,
                                                      "items": plan.items})
        clients = [Client(token=c["token"], tasks=[Task(t[0], t[1], Decimal(t[2]), t[3], None if t[4] is None else Decimal(t[4]))
                                                   for t in c["tasks"]])
                   for c in prepared["clients"]]
        with gunicorn(url, data_dir) as (host, port, pid):
            servers = {"gunicorn": pid}
            if (database := postmaster(url)) is not None:
                servers["PostgreSQL"] = database
            ceiling = load((host, port), "ping", clients, plan, servers=servers)
            saves = load((host, port), "save", clients, plan, prepared["cycle"], Decimal(prepared["step"]),
                         servers=servers)
            # the same clients at half the saves' capacity: the latency of a server that is not saturated
            interval = plan.clients / (PACED_SHARE * saves.throughput) if saves.throughput else 1.0
            paced = load((host, port), "save", clients, plan, prepared["cycle"], Decimal(prepared["step"]),
                         servers=servers, interval=interval)
        prepared["servers"] = "gunicorn and PostgreSQL" if len(servers) > 1 else "gunicorn (PostgreSQL not local)"
        check = _child("check", url, data_dir, {
            "cycle": prepared["cycle"], "events_before": prepared["events"],
            "tasks": [[t.unit, t.item, t.version, t.successes, None if t.last is None else str(t.last)] for c in clients for t in c.tasks],
            "versions_before": prepared["versions"]})
    return figures(plan, ceiling, saves, check, prepared, paced)


# What a save costs and why (docs/decisions/2026-11-25-grid-pages-and-api-load.md, 2026-11-26).
SAVE_PATH = ("a save is 5 statements besides BEGIN and COMMIT: the token lookup and its last-used update "
             "(as for the ping), then one read of the task with everything its checks need (the submission's "
             "state under FOR KEY SHARE), the compare-and-set UPDATE and the audit INSERT; the cycle's "
             "visibility is asked only when a save is refused (before 2026-11-26: 8, each check its own ORM query)")


def _cpu_split(saves: Run, ceiling: Run) -> list[str]:
    if not saves.server_cpu_parts:
        return []
    return ["per server: " + "; ".join(
        f"{name} {saves.cpu_per_request(name):.1f} ms per save, {ceiling.cpu_per_request(name):.1f} ms per ping"
        for name in saves.server_cpu_parts)]


def figures(plan: Plan, ceiling: Run, saves: Run, check: dict, prepared: dict, paced: Run | None = None) -> list[Figure]:
    label = f"API saves, {plan.clients} clients (gunicorn gthread {WORKERS}×{THREADS}, PostgreSQL)"
    ratio = saves.throughput / ceiling.throughput if ceiling.throughput else float("nan")
    successes = check["successes"]
    common = [f"{plan.clients} client threads in one process, keep-alive, closed loop; {plan.warmup:g} s warm-up, "
              f"{plan.seconds:g} s measured; {prepared['tasks']} tasks ({plan.units} units × {plan.items} items), "
              "each client saving only its own units' tasks"]
    notes_saves = common + [
        f"errors: {saves.errors or 'none'}; client CPU {saves.client_cpu:.1f} s of {saves.seconds:g} s",
        f"write check: {successes} successful saves; versions, points and audit events "
        f"{'all match' if check['ok'] else 'DO NOT match: ' + '; '.join(check['problems'][:5])}",
        f"Little's law: {plan.clients} clients ÷ {saves.throughput:.0f} req/s = "
        f"{1000 * plan.clients / saves.throughput if saves.throughput else float('nan'):.0f} ms per request in a "
        "closed loop; the p95 target needs a throughput of clients ÷ 50 ms",
        SAVE_PATH,
    ]
    notes_ceiling = common + [f"errors: {ceiling.errors or 'none'}; client CPU {ceiling.client_cpu:.1f} s"]
    return [
        Figure(label, "saves per second (PUT score)", saves.throughput, "req/s",
               baseline="GET /api/v1/ping on the same stack (the ceiling)", baseline_value=ceiling.throughput,
               target="≥ 60% of the ceiling", met=ratio >= 0.6, notes=notes_saves),
        Figure(label, "save latency p95", 1000 * saves.percentile(0.95), "ms",
               spread=(1000 * saves.percentile(0.5), 1000 * saves.percentile(0.99)),
               baseline="ping latency p95", baseline_value=1000 * ceiling.percentile(0.95),
               target="< 50 ms", met=saves.percentile(0.95) < 0.05,
               notes=[f"spread = (p50, p99); {saves.requests} saves measured"]),
        *([] if paced is None else [Figure(
            label, f"save latency p95, paced at half the saves' capacity ({paced.throughput:.0f} req/s offered)",
            1000 * paced.percentile(0.95), "ms", spread=(1000 * paced.percentile(0.5), 1000 * paced.percentile(0.99)),
            baseline="ping latency p95 (closed loop)", baseline_value=1000 * ceiling.percentile(0.95),
            target="< 50 ms", met=paced.percentile(0.95) < 0.05,
            notes=[f"spread = (p50, p99); {paced.requests} saves measured; the same {plan.clients} clients, each "
                   f"sending one save every {1000 * plan.clients / paced.throughput if paced.throughput else 0:.0f} ms "
                   "(open loop) instead of back to back: the p95 of a server that is not saturated, which the "
                   "closed-loop p95 above cannot show (there even the ping waits for the queue)",
                   f"errors: {paced.errors or 'none'}"])]),
        Figure(label, "ping per second (the ceiling)", ceiling.throughput, "req/s",
               spread=(1000 * ceiling.percentile(0.5), 1000 * ceiling.percentile(0.99)), notes=notes_ceiling
               + [f"spread = latency (p50, p99) in ms; p95 {1000 * ceiling.percentile(0.95):.1f} ms"]),
        Figure(label, f"server CPU per save ({prepared.get('servers', 'gunicorn')})",
               saves.server_cpu_per_request or float("nan"), "ms",
               baseline="server CPU per ping", baseline_value=ceiling.server_cpu_per_request,
               notes=["CPU time of the server processes ÷ answers, warm-up included: unlike throughput, "
                      "hardly changed by other work on the machine; on a CPU-bound server the throughput "
                      "ratio saves ÷ ping tends to the inverse of this ratio"] + _cpu_split(saves, ceiling)),
        Figure(label, "writes checked after the run", float(successes), "saves",
               target="no lost or duplicated writes", met=bool(check["ok"]),
               notes=check["problems"][:10] or ["every success is in the database exactly once"]),
    ]


# ---------------------------------------------------------------------------------------------
# The child: prepare the database, check it after the run

def _prepare(payload: dict) -> dict:
    from django.core.management import call_command

    from kaohe.accounts.models import ApiToken, Role, User
    from kaohe.audit.models import Event
    from kaohe.bench.grid import build_department
    from kaohe.cycles.models import Score

    call_command("migrate", verbosity=0)
    clients, units, items = payload["clients"], payload["units"], payload["items"]
    tag = f"api{units}x{items}"
    cycle, scorer = build_department(units, items, tag)
    department = scorer.department
    answer = []
    unit_codes = list(cycle.units.order_by("position").values_list("code", flat=True))
    tasks = list(Score.objects.filter(cycle=cycle).values_list("unit__code", "node__code", "node__points", "version",
                                                               "points"))
    for index in range(clients):
        user, _created = User.objects.get_or_create(
            username=f"bench-{tag}-{index + 1:02d}", defaults={"role": Role.SCORER, "department": department})
        _token, key = ApiToken.issue(user, name="kaohe bench api_load")
        mine = set(unit_codes[index::clients])
        answer.append({"token": key, "tasks": [[u, i, str(p), v, None if now is None else str(now)]
                                               for u, i, p, v, now in tasks if u in mine]})
    versions = {f"{u}/{i}": v for u, i, _p, v, _now in tasks}
    return {"cycle": cycle.pk, "step": str(cycle.step), "clients": answer, "tasks": len(tasks),
            "versions": versions, "events": Event.objects.filter(cycle=cycle, action="score.update").count()}


def _check(payload: dict) -> dict:
    from kaohe.audit.models import Event
    from kaohe.cycles.models import Score

    problems = []
    stored = {f"{u}/{i}": (v, p) for u, i, v, p in Score.objects.filter(cycle_id=payload["cycle"]).values_list(
        "unit__code", "node__code", "version", "points")}
    successes = 0
    for unit, item, version, count, last in payload["tasks"]:
        key = f"{unit}/{item}"
        successes += count
        before = payload["versions_before"][key]
        now, points = stored[key]
        if now - before != count:
            problems.append(f"{key}: version {before} → {now}, but {count} saves succeeded")
        if version != now:
            problems.append(f"{key}: the client last saw version {version}, the database has {now}")
        if last is not None and points != Decimal(last):
            problems.append(f"{key}: the last save was {last}, the database has {points}")
    events = Event.objects.filter(cycle_id=payload["cycle"], action="score.update").count() - payload["events_before"]
    if events != successes:
        problems.append(f"{events} audit events for {successes} successful saves")
    return {"ok": not problems, "problems": problems, "successes": successes, "events": events}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.web.settings")
    django.setup()
    from kaohe.audit.context import acting_as

    action, payload = sys.argv[1], json.loads(sys.stdin.read())
    with acting_as(name="kaohe bench"):
        answer = {"prepare": _prepare, "check": _check}[action](payload)
    print(MARK + json.dumps(answer, default=str))


if __name__ == "__main__":
    main()
