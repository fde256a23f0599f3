"""What machine a benchmark ran on: CPU, cores, memory, OS, Python, SQLite and PostgreSQL versions, load."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from pathlib import Path


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_model() -> str:
    return _first("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()


def memory_gib() -> float | None:
    total = _first("/proc/meminfo", "MemTotal")
    return round(int(total.split()[0]) / 1024 / 1024, 1) if total else None


def os_name() -> str:
    pretty = ""
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return f"{pretty or platform.system()} (kernel {platform.release()})"


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def describe(postgres_version: str = "") -> list[tuple[str, str]]:
    """(what, value) rows for BENCHMARKS.md."""
    memory = memory_gib()
    return [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", f"{memory} GiB" if memory else "unknown"),
        ("OS", os_name()),
        ("Python", sys.version.split()[0]),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres_version or "not used"),
    ]
