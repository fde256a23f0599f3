"""The PostgreSQL the benchmarks use when none is given: a throwaway cluster (the checkout's
scripts/pg-throwaway: fsync off, removed when stopped), and what the benchmarks ask of a server."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks import CHECKOUT

PG_THROWAWAY = CHECKOUT / "scripts" / "pg-throwaway"


class ClusterError(Exception):
    """A throwaway cluster could not be started, or a database not reached; the message says why."""


def available() -> bool:
    """Whether a throwaway cluster can be started here (initdb installed)."""
    return PG_THROWAWAY.is_file() and bool(
        shutil.which("initdb") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))


def start() -> tuple[str, str]:
    """Start a throwaway cluster: (the server's URL with the database `postgres`, its folder for `stop`)."""
    if not available():
        raise ClusterError("PostgreSQL server programs (initdb) not found: give a database URL or install PostgreSQL")
    started = subprocess.run([str(PG_THROWAWAY), "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        raise ClusterError(f"scripts/pg-throwaway start failed: {started.stderr.strip()[:300]}")
    exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
                   if line.startswith("export "))
    return with_database(exports["KAOHE_TEST_POSTGRES_URL"], "postgres"), exports["KAOHE_PG_DIR"]


def stop(folder: str) -> None:
    subprocess.run([str(PG_THROWAWAY), "stop", folder], capture_output=True, check=False)


def with_database(url: str, name: str) -> str:
    """The same server's URL naming the database `name`."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def postgres(database_url: str | None, name: str) -> Iterator[str]:
    """The database to use: `database_url`, or database `name` of a throwaway cluster for the time of
    the block (created by `ensure_database` when first used)."""
    if database_url:
        yield database_url
        return
    server, folder = start()
    try:
        yield with_database(server, name)
    finally:
        stop(folder)


def ensure_database(url: str) -> None:
    """Create the URL's database when the server does not have it yet (a fresh cluster)."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise ClusterError(f"cannot connect to {url}: {error}") from None
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{urlsplit(url).path.lstrip("/")}"')


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

