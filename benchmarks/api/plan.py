"""The API load benchmark's sizes and the server's shape (gunicorn workers and threads)."""

from __future__ import annotations

from dataclasses import dataclass

WORKERS = 2
PACED_SHARE = 0.5  # the paced run offers this share of the closed-loop saves per second
THREADS = 8


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


