"""gunicorn serving Kaohe on a free loopback port, and the CPU time the servers use."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import CHECKOUT
from benchmarks.api.plan import THREADS, WORKERS, LoadError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url: str, data_dir: str) -> dict[str, str]:
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
    server = subprocess.Popen(command, env=environment(database_url, data_dir), cwd=CHECKOUT,
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


def process_tree_cpu(roots: list[int]) -> float:
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
