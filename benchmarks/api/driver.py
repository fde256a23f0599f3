"""The clients: threads with a keep-alive HTTP connection each, in a closed or a paced loop, and
what a run measures (answers, latencies, errors, the clients' and the servers' CPU)."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from benchmarks.api.plan import Plan
from benchmarks.api.server import process_tree_cpu


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
    due = time.perf_counter() + random.random() * interval  # spreading, not security
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
    cpu_before = {name: process_tree_cpu([pid]) for name, pid in (servers or {}).items()}
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
    parts = {name: process_tree_cpu([servers[name]]) - before for name, before in cpu_before.items()}
    return Run(kind, len(clients), plan.seconds, len(latencies), latencies, errors, client_cpu,
               answered=sum(client.answered for client in clients),
               server_cpu=sum(parts.values()) if parts else None, server_cpu_parts=parts)

