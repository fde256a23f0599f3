"""Crash safety: a process killed (SIGKILL) in the middle of a write leaves nothing of it behind,
and the application survives PostgreSQL restarting under load.

Killed mid-transaction: a child process (`python -c CHILD`) imports a scheme, applies an uploaded
scoring sheet or publishes results in a database of its own: a copy of a SQLite file on the SQLite
pass, a copy (CREATE DATABASE … TEMPLATE) of a database on the test server on the PostgreSQL pass;
the original is made once by `kaohe migrate` and `kaohe demo` in a child. A hook inside the transaction
pauses it after some rows are written — it first writes a marker file with what its transaction
sees so far — and the test kills it with SIGKILL. The test then checks in the database that
nothing of the operation is there (no scheme or node rows, no changed scores, no snapshot, no
audit event) and that the same operation, run again, succeeds.

PostgreSQL restarted under load (PostgreSQL pass only): on a throwaway cluster of its own, the
app runs under gunicorn (2 workers); two clients send authenticated API requests while the
cluster restarts (`pg_ctl restart -m fast`). Failures while it is down are allowed and counted;
none may hang; afterwards every request succeeds without restarting the app.

Run with `-s` to see what was injected and the counts.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
SCHEME = "crash-county"  # the name the killed import uses
SHEET_CHANGES = 10  # cells the uploaded sheet changes; the child is killed after the 5th is saved
MARK = "断电测试"
COPIES = itertools.count(1)

# The child: `python -c CHILD SCENARIO PAUSE_AT CYCLE_ID`. PAUSE_AT > 0: after the PAUSE_AT-th call
# of the hooked function (inside the transaction) write the marker and sleep until killed.
CHILD = r'''
import io, json, os, sys, time
import django
django.setup()
from kaohe.accounts.models import User
from kaohe.audit.context import acting_as
from kaohe.cycles.models import Cycle, Score

scenario, pause_at, cycle_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cycle = Cycle.objects.get(pk=cycle_id)


def hook(owner, name, written):
    real, calls = getattr(owner, name), [0]

    def paused(*args, **kwargs):
        result = real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == pause_at:
            marker = os.environ["KAOHE_CRASH_MARKER"]
            with open(marker + ".tmp", "w") as out:
                json.dump(written(), out)
            os.replace(marker + ".tmp", marker)
            time.sleep(600)
        return result

    setattr(owner, name, paused)


if scenario == "scheme":
    from kaohe.formats.load import read_one
    from kaohe.schemes import store
    from kaohe.schemes.models import Node, SchemeRecord

    scheme = read_one("luoyang-2018-county")
    scheme.name = sys.argv[4]
    hook(Node.objects, "bulk_create", lambda: {
        "records": SchemeRecord.objects.filter(name=scheme.name).count(),
        "nodes": Node.objects.filter(scheme__name=scheme.name).count()})
    with acting_as(name="crash test"):
        saved, _findings = store.save_scheme(scheme)
    print(json.dumps({"nodes": saved.nodes.count()}))
elif scenario == "sheet":
    import openpyxl
    from kaohe.cycles import scoring
    from kaohe.cycles.sheets import apply_upload, build_sheet
    from kaohe.formats.scoring_sheet import SHEET, read_sheet, write_sheet

    user = User.objects.get(username="scorer")
    data = write_sheet(build_sheet(cycle, cycle.departments.get(code="swzzb")))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for cell in read_sheet(data).cells[:int(sys.argv[4])]:
        workbook[SHEET][cell.points_cell.split("!")[-1]] = 0
        workbook[SHEET][cell.reason_cell.split("!")[-1]] = sys.argv[5]
    buffer = io.BytesIO()
    workbook.save(buffer)
    hook(scoring, "record", lambda: {"changed": Score.objects.filter(cycle=cycle, reason=sys.argv[5]).count()})
    with acting_as(user):
        report = apply_upload(user, cycle, read_sheet(buffer.getvalue()))
    print(json.dumps({"applied": report.applied, "errors": [p.message for p in report.errors]}))
elif scenario == "publish":
    from kaohe.results import service
    from kaohe.results.models import ResultSnapshot

    office = User.objects.get(username="office")
    hook(service, "record", lambda: {"snapshots": ResultSnapshot.objects.filter(cycle=cycle).count()})
    with acting_as(office):
        snapshot = service.publish(cycle, office, confirm_incomplete=True)
    print(json.dumps({"version": snapshot.version}))
'''


# ----------------------------------------------------------------------------- the database


@dataclass
class Database:
    """The file database a child works on, and raw SQL on it from the test."""

    env: dict[str, str]
    sqlite: Path | None = None
    postgres: str = ""  # its URL

    def rows(self, sql: str) -> list[tuple]:
        if self.sqlite is not None:
            db = sqlite3.connect(self.sqlite, timeout=20, isolation_level=None)
            try:
                return db.execute(sql).fetchall()
            finally:
                db.close()
        return postgres_rows(self.postgres, sql)

    def one(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def settle(self) -> None:
        """PostgreSQL: wait until the killed child's server process has gone (its transaction
        rolled back); it notices the closed socket at once."""
        if self.sqlite is not None:
            return
        deadline = time.monotonic() + 30
        while self.one("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kaohe-crash-child'"):
            assert time.monotonic() < deadline, "the killed child's PostgreSQL session did not end"
            time.sleep(0.05)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAOHE_DATA_DIR")}
    env.update(DJANGO_SETTINGS_MODULE="kaohe.web.settings", PGAPPNAME="kaohe-crash-child", **extra)
    return env


def kaohe(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "kaohe", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"kaohe {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


def postgres_rows(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(sql)
        return cursor.fetchall() if cursor.description else []


def server_url() -> str:
    """The URL of the test database's server, without a database name."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/"


def drop(server: str, name: str) -> None:
    postgres_rows(server + "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Iterator[Path | str]:
    """A database with the migrations and the demo, made once by `kaohe migrate` and `kaohe demo`:
    a SQLite file, or a database on the test server (named after this process, dropped at the end)."""
    folder = tmp_path_factory.mktemp("crash-template")
    if not POSTGRES:
        env = child_env({"KAOHE_DATA_DIR": str(folder)})
        kaohe(env, "migrate", "--verbosity", "0")
        kaohe(env, "demo")
        yield folder / "kaohe.sqlite3"
        return
    server, name = server_url(), f"kaohe_crash_{os.getpid()}"
    drop(server, name)
    postgres_rows(server + "postgres", f'CREATE DATABASE "{name}"')
    try:
        env = child_env({"DATABASE_URL": server + name, "KAOHE_DATA_DIR": str(folder)})
        kaohe(env, "migrate", "--verbosity", "0")
        kaohe(env, "demo")
        yield name
    finally:
        drop(server, name)


@pytest.fixture
def database(template, tmp_path) -> Iterator[Database]:
    """A fresh copy of the template for one test."""
    if not POSTGRES:
        path = tmp_path / "kaohe.sqlite3"
        shutil.copyfile(template, path)
        yield Database(env=child_env({"KAOHE_DATA_DIR": str(tmp_path)}), sqlite=path)
        return
    server, name = server_url(), f"{template}_{next(COPIES)}"
    postgres_rows(server + "postgres", f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield Database(env=child_env({"DATABASE_URL": server + name, "KAOHE_DATA_DIR": str(tmp_path)}),
                       postgres=server + name)
    finally:
        drop(server, name)


def cycle_id(database: Database) -> int:
    from kaohe.ops.demo import DEMO_CYCLE

    return database.one(f"SELECT id FROM cycles_cycle WHERE name = '{DEMO_CYCLE}'")


def crash(database: Database, tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run the child until its hook pauses it inside the transaction, then SIGKILL it. Returns
    what the child's transaction had written when it was killed."""
    marker = tmp_path / "paused.json"
    env = {**database.env, "KAOHE_CRASH_MARKER": str(marker)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], env=env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the child ended before pausing: {child.stderr.read()[-2000:]}")
            assert time.monotonic() < deadline, "the child never reached its pause"
            time.sleep(0.02)
        written = json.loads(marker.read_text())
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    database.settle()
    journal = database.sqlite is not None and Path(f"{database.sqlite}-journal").exists()
    print(f"\n[crash safety] {args[0]}: killed inside the transaction after writing {written}"
          + (" (a hot journal was left)" if journal else ""))
    return written


def complete(database: Database, *args: str) -> dict[str, Any]:
    """Run the child to the end (no pause): the follow-up that shows the database is usable."""
    done = subprocess.run([sys.executable, "-c", CHILD, args[0], "0", *args[1:]], env=database.env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def events(database: Database, action: str) -> int:
    return database.one(f"SELECT count(*) FROM audit_event WHERE action = '{action}'")


# ----------------------------------------------------------------------------- killed mid-write


def test_a_scheme_import_killed_midway_leaves_nothing(database, tmp_path):
    all_events = database.one("SELECT count(*) FROM audit_event")
    cycle = str(cycle_id(database))

    written = crash(database, tmp_path, "scheme", "2", cycle, SCHEME)

    assert written["records"] == 1 and written["nodes"] > 0  # rows existed inside the transaction
    assert database.one(f"SELECT count(*) FROM schemes_schemerecord WHERE name = '{SCHEME}'") == 0
    assert database.one("SELECT count(*) FROM schemes_node WHERE scheme_id NOT IN "
                        "(SELECT id FROM schemes_schemerecord)") == 0
    assert database.one("SELECT count(*) FROM audit_event") == all_events
    assert database.one(f"SELECT count(*) FROM audit_event WHERE object_key = 'scheme:{SCHEME}'") == 0

    done = complete(database, "scheme", cycle, SCHEME)
    assert done["nodes"] > written["nodes"]
    assert database.one(f"SELECT count(*) FROM schemes_node n JOIN schemes_schemerecord s ON n.scheme_id = s.id "
                        f"WHERE s.name = '{SCHEME}'") == done["nodes"]
    assert database.one(f"SELECT count(*) FROM audit_event WHERE object_key = 'scheme:{SCHEME}'") == 1


def test_a_sheet_upload_killed_midway_changes_no_score(database, tmp_path):
    cycle = cycle_id(database)
    before = database.rows(f"SELECT id, points, reason, version FROM cycles_score WHERE cycle_id = {cycle} ORDER BY id")
    saves = events(database, "score.update")

    written = crash(database, tmp_path, "sheet", "5", str(cycle), str(SHEET_CHANGES), MARK)

    assert written["changed"] == 5  # five scores were saved inside the transaction when it was killed
    assert database.rows(f"SELECT id, points, reason, version FROM cycles_score WHERE cycle_id = {cycle} "
                         "ORDER BY id") == before
    assert events(database, "score.update") == saves

    done = complete(database, "sheet", str(cycle), str(SHEET_CHANGES), MARK)
    assert done == {"applied": SHEET_CHANGES, "errors": []}
    assert database.one(f"SELECT count(*) FROM cycles_score WHERE reason = '{MARK}' AND version = 1") == SHEET_CHANGES
    assert events(database, "score.update") == saves + SHEET_CHANGES


def test_a_publish_killed_midway_leaves_no_snapshot(database, tmp_path):
    cycle = cycle_id(database)
    database.rows(f"UPDATE cycles_cycle SET status = 'locked' WHERE id = {cycle}")

    written = crash(database, tmp_path, "publish", "1", str(cycle))

    assert written["snapshots"] == 1  # the snapshot existed inside the transaction
    assert database.one("SELECT count(*) FROM results_resultsnapshot") == 0
    assert events(database, "results.publish") == 0

    assert complete(database, "publish", str(cycle)) == {"version": 1}
    assert database.rows("SELECT cycle_id, version FROM results_resultsnapshot") == [(cycle, 1)]
    assert events(database, "results.publish") == 1


# ----------------------------------------------------------------------------- PostgreSQL restarted


def postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.parent.name.split(".")])
    return candidates[-1].parent if candidates else None


def as_owner(*command: str) -> list[str]:
    """initdb refuses root, so as root the throwaway cluster belongs to `postgres` (scripts/pg-throwaway)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture
def own_cluster() -> Iterator[tuple[str, Path]]:
    """A throwaway PostgreSQL cluster of this test's own (never the test database's, which it restarts)."""
    if postgres_bin() is None:
        message = "the PostgreSQL server programs (initdb) are not installed; apt-get install postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    started = subprocess.run([str(REPO / "scripts" / "pg-throwaway"), "start"], capture_output=True, text=True,
                             timeout=120)
    assert started.returncode == 0, started.stderr
    exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines())
    folder = Path(exports["KAOHE_PG_DIR"])
    try:
        yield exports["KAOHE_TEST_POSTGRES_URL"], folder
    finally:
        subprocess.run([str(REPO / "scripts" / "pg-throwaway"), "stop", str(folder)], timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The server's database: migrated, one office user, and an API token for it (printed).
PREPARE_SERVER = r'''
import django
django.setup()
from django.core.management import call_command
from kaohe.accounts.models import ApiToken, Role, User
call_command("migrate", verbosity=0)
print(ApiToken.issue(User.objects.create_user("probe", role=Role.OFFICE), "restart test")[1])
'''


@dataclass
class Outcome:
    phase: str  # before / during / after the restart
    result: str  # "200", another status, or the error's kind ("timeout" = hung)


def request_loop(url: str, key: str, phase: list[str], stop: threading.Event, log: list[Outcome]) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    while not stop.is_set():
        current = phase[0]
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                result = str(response.status)
        except urllib.error.HTTPError as error:
            result = str(error.code)
        except TimeoutError:
            result = "timeout"
        except (urllib.error.URLError, ConnectionError) as error:
            result = "timeout" if "timed out" in str(error) else f"connection: {error}"
        log.append(Outcome(current if phase[0] == current else "during", result))  # overlapping: during
        time.sleep(0.02)


@pytest.mark.skipif(not POSTGRES, reason="runs in the PostgreSQL pass (DATABASE_URL=$KAOHE_TEST_POSTGRES_URL), "
                    "on a throwaway cluster of its own")
def test_the_application_recovers_when_postgresql_restarts_under_load(own_cluster, tmp_path):
    url, folder = own_cluster
    postgres_rows(url.rsplit("/", 1)[0] + "/postgres", "CREATE DATABASE kaohe")
    env = child_env({"DATABASE_URL": url, "KAOHE_DATA_DIR": str(tmp_path)})
    env.pop("PGAPPNAME")
    prepared = subprocess.run([sys.executable, "-c", PREPARE_SERVER], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)
    assert prepared.returncode == 0, prepared.stderr[-2000:]
    key = prepared.stdout.strip().splitlines()[-1]
    port, server_log = free_port(), tmp_path / "gunicorn.log"
    with server_log.open("w") as log_file:  # gunicorn's and the application's log (500s are logged)
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "kaohe.web.wsgi", "--workers", "2",
                                   "--bind", f"127.0.0.1:{port}", "--timeout", "30", "--log-level", "warning"],
                                  env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log_file)
    api = f"http://127.0.0.1:{port}/api/v1/cycles"
    phase, stop, log = ["before"], threading.Event(), []
    clients: list[threading.Thread] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(urllib.request.Request(api, headers={"Authorization": f"Bearer {key}"}),
                                            timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert server.poll() is None, server_log.read_text()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start serving"
            time.sleep(0.2)

        clients = [threading.Thread(target=request_loop, args=(api, key, phase, stop, log)) for _ in range(2)]
        for client in clients:
            client.start()
        wait_for(lambda: sum(o.result == "200" for o in log) >= 10, "requests before the restart")
        phase[0] = "during"
        restarted = subprocess.run(as_owner(str(postgres_bin() / "pg_ctl"), "-D", str(folder / "data"),
                                            "-l", str(folder / "server.log"), "-m", "fast", "-w", "restart"),
                                   cwd="/", capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0, restarted.stderr
        phase[0] = "after"
        wait_for(lambda: sum(o.result == "200" for o in log if o.phase == "after") >= 30,
                 "requests after the restart", timeout=60, log=log)
        served_throughout = server.poll() is None
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    counts = {name: Counter(o.result for o in log if o.phase == name) for name in ("before", "during", "after")}
    print("\n[crash safety] PostgreSQL restarted (pg_ctl restart -m fast) under 2 clients, gunicorn 2 workers: "
          + "; ".join(f"{name}: {dict(count)}" for name, count in counts.items()))
    errors = Counter(line for line in server_log.read_text().splitlines() if line.startswith("django.db.utils."))
    print("\n".join(f"  {count} × {line}" for line, count in errors.items()))
    assert not any(o.result == "timeout" for o in log), counts  # nothing hung
    assert set(counts["before"]) == {"200"}, counts
    # once PostgreSQL accepts connections again every request succeeds: the workers' stale
    # connections are noticed (CONN_HEALTH_CHECKS) and replaced, the app is not restarted
    assert set(counts["after"]) == {"200"}, counts
    assert served_throughout  # the same gunicorn, never restarted


def wait_for(condition, what: str, timeout: float = 60, log: list[Outcome] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {Counter(o.result for o in log or [])}"
        time.sleep(0.05)
