"""Benchmark of issue 17 (`python -m benchmarks run --only survey`): a meeting of 500 raters voting on their
phones within one minute.

Two installations, each started as a user would: the default one (SQLite, `kaohe runserver`,
the server `make run` starts) and the production shape (PostgreSQL, gunicorn with several
processes). Each gets a fresh database with the demo and a survey of the county cycle (18 units,
four rater groups of 40/120/240/100 codes, weights 0.2/0.3/0.3/0.2).

The meeting: rater i arrives at i × 60 s ÷ 500 (plus a little jitter), loads the voting page,
posts the code, then the ballot (every unit rated, a few abstentions). Mixed in, as in a real room:
raters who submit their ballot a second time (a double tap, a reload) and guessed codes — both must
be refused cleanly (400 with the message), never a 5xx. Every request is timed; afterwards the
database must hold exactly 500 ballots and 500 used codes: no ballot lost, none duplicated.

The work of a vote grows with its group (the group's ballots are written again in a fresh random
order, docs/decisions/2026-12-06-survey-anonymity.md); the figures include it. Raters share one
client address (127.0.0.1), like a meeting behind one Wi-Fi, so the refusals also count against
the address's rate limit (KAOHE_SURVEY_FAILURE_LIMIT, default 100 in 10 minutes).
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg

from benchmarks.measure import Figure
from kaohe.core.survey import new_code

RATERS = 500
MEETING_SECONDS = 60.0
GROUPS = (("市级领导", "0.2", 40), ("市直部门负责人", "0.3", 120), ("县(市、区)干部群众代表", "0.3", 240),
          ("党代表", "0.2", 100))
DOUBLE_SUBMITS = 20  # raters who send their ballot twice
GUESSES = 10  # requests with a well-formed code nobody was given
TIMEOUT = 30.0
SEED = 17

SETUP = """
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from kaohe.core.survey import DEFAULT_OPTIONS
from kaohe.ops.demo import build_demo
from kaohe.survey import codes
from kaohe.survey.definition import GroupInput, QuestionInput, SurveyInput, save_survey
cycle = build_demo()["cycle"]
now = timezone.now()
survey = save_survey(cycle, None, SurveyInput(name="基准测评", opens_at=now - timedelta(minutes=1),
    closes_at=now + timedelta(hours=2), groups=[GroupInput(n, Decimal(w), c) for n, w, c in GROUPS],
    questions=[QuestionInput("总体评价", Decimal(1), DEFAULT_OPTIONS)]))
for group in survey.groups.all():
    codes.add_codes(group)
print("SURVEY " + json.dumps({"targets": survey.targets,
      "codes": [c for g in survey.groups.all() for c in g.codes.values_list("code", flat=True)]}))
"""

COUNT = """
from kaohe.survey.models import Ballot, Code
print("COUNT", Ballot.objects.count(), Code.objects.filter(used=True).count())
"""


@dataclass
class Timings:
    """Request durations per kind (seconds), and what went wrong."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, took: float, status: int) -> None:
        with self.lock:
            self.seconds.setdefault(kind, []).append(took)
            counts = self.statuses.setdefault(kind, {})
            counts[status] = counts.get(status, 0) + 1

    def fail(self, text: str) -> None:
        with self.lock:
            self.failures.append(text)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rater:
    """One phone: a cookie jar, the CSRF token of the voting page, timed requests."""

    def __init__(self, base: str, timings: Timings):
        self.base, self.timings = base, timings
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = ""

    def request(self, kind: str, path: str, fields: dict | None = None) -> tuple[int, str]:
        data = None
        headers = {"Referer": f"{self.base}/vote/"}
        if fields is not None:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields}).encode()
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data, headers=headers),
                                  timeout=TIMEOUT) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        except OSError as error:
            self.timings.add(kind, time.perf_counter() - started, 0)
            self.timings.fail(f"{kind}: {type(error).__name__}: {error}")
            return 0, ""
        self.timings.add(kind, time.perf_counter() - started, status)
        return status, body

    def open_page(self) -> bool:
        status, body = self.request("page", "/vote/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not found:
            self.timings.fail(f"page: {status}")
            return False
        self.token = found.group(1)
        return True


def vote(base: str, code: str, targets: list[str], timings: Timings, rng: random.Random, twice: bool) -> None:
    rater = Rater(base, timings)
    if not rater.open_page():
        return
    status, body = rater.request("code", "/vote/", {"code": code})
    if status != 200 or "ballot-form" not in body:
        timings.fail(f"code refused: {status}")
        return
    fields = {"code": code, **{f"a:{t}:q1": ("-" if rng.random() < 0.05 else str(rng.randrange(4))) for t in targets}}
    status, body = rater.request("ballot", "/vote/ballot/", fields)
    if status != 200 or "vote-done" not in body:
        timings.fail(f"ballot refused: {status}")
    if twice:
        status, body = rater.request("refused", "/vote/ballot/", fields)
        if status != 400 or "vote-error" not in body:
            timings.fail(f"a second submit was not refused cleanly: {status}")


def guess(base: str, code: str, timings: Timings) -> None:
    rater = Rater(base, timings)
    if rater.open_page():
        status, body = rater.request("refused", "/vote/", {"code": code})
        if status != 400 or "vote-error" not in body:
            timings.fail(f"a guessed code was not refused cleanly: {status}")


def meeting(base: str, codes: list[str], targets: list[str], seconds: float = MEETING_SECONDS) -> tuple[Timings, float]:
    """Every code votes once, arriving evenly over `seconds`; some twice; some guesses. Returns the
    timings and the wall time from the first arrival to the last answer."""
    rng = random.Random(SEED)
    timings = Timings()
    doubles = set(rng.sample(range(len(codes)), DOUBLE_SUBMITS))
    jobs: list[tuple[float, Callable[[], None]]] = []
    for index, code in enumerate(codes):
        at = index * seconds / len(codes) + rng.uniform(0, seconds / len(codes))
        local = random.Random(SEED * 1000 + index)
        jobs.append((at, lambda c=code, r=local, t=index in doubles: vote(base, c, targets, timings, r, t)))
    for guessed in [new_code() for _ in range(GUESSES)]:  # well-formed codes nobody was given
        jobs.append((rng.uniform(0, seconds), lambda c=guessed: guess(base, c, timings)))
    jobs.sort(key=lambda job: job[0])
    start = time.perf_counter()
    threads = []
    for at, job in jobs:
        delay = at - (time.perf_counter() - start)
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=job)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=TIMEOUT * 4)
    return timings, time.perf_counter() - start


class Installation:
    """A fresh installation in `folder`: SQLite with `kaohe runserver`, or PostgreSQL at
    `database_url` with gunicorn: 5 sync processes as docs/deploy.md runs it on 2 cores, or with
    `threads`, 2 gthread processes of that many threads (as the API benchmark runs it)."""

    def __init__(self, folder: Path, database_url: str | None = None, threads: int = 0):
        self.folder, self.database_url = folder, database_url
        self.gunicorn_options = (["--workers", "2", "--worker-class", "gthread", "--threads", str(threads)] if threads
                                 else ["--workers", "5"])
        self.name = ("SQLite, kaohe runserver" if not database_url else
                     f"PostgreSQL, gunicorn 2 × {threads} threads" if threads else "PostgreSQL, gunicorn 5 sync workers")
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "KAOHE_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.python = sys.executable
        self.process: subprocess.Popen | None = None

    def kaohe(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run([self.python, "-m", "kaohe", *args], env=self.env, check=True, timeout=900,
                              capture_output=capture, text=True)
        return done.stdout if capture else ""

    def prepare(self) -> tuple[list[str], list[str]]:
        self.kaohe("migrate", "-v0")
        out = self.kaohe("shell", "-c", f"GROUPS = {GROUPS!r}\n" + SETUP, capture=True)
        data = json.loads(out.split("SURVEY ", 1)[1])
        return data["codes"], data["targets"]

    def start(self) -> str:
        port = _free_port()
        self.log = (self.folder / "server.log").open("w")
        log = self.log
        if self.database_url:
            command = [str(Path(self.python).with_name("gunicorn")), "kaohe.web.wsgi", *self.gunicorn_options,
                       "-b", f"127.0.0.1:{port}", "--access-logfile", "-"]
        else:
            command = [self.python, "-m", "kaohe", "runserver", f"127.0.0.1:{port}", "--noreload"]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/vote/", timeout=5).read()
                return base
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start (see {self.folder / 'server.log'})")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.log.close()

    def counts(self) -> tuple[int, int]:
        ballots, used = self.kaohe("shell", "-c", COUNT, capture=True).split("COUNT", 1)[1].split()
        return int(ballots), int(used)


def _run(folder: Path, database_url: str | None = None, *, raters: int = RATERS, seconds: float = MEETING_SECONDS,
         say: Callable[[str], None] = print, threads: int = 0) -> dict:
    """One meeting on one installation; the figures as a dict (seconds)."""
    installation = Installation(folder, database_url, threads)
    codes, targets = installation.prepare()
    codes = codes[:raters]
    base = installation.start()
    where = installation.name
    say(f"民主测评：{len(codes)} 名测评人在 {seconds:.0f} 秒内投票（{where}）……")
    try:
        timings, wall = meeting(base, codes, targets, seconds)
    finally:
        installation.stop()
    ballots, used = installation.counts()
    every = [s for values in timings.seconds.values() for s in values]
    errors = sum(n for counts in timings.statuses.values() for status, n in counts.items()
                 if status == 0 or status >= 500)
    return {
        "installation": where, "raters": len(codes), "meeting_seconds": seconds, "wall_seconds": round(wall, 1),
        "ballots": ballots, "used_codes": used, "lost": len(codes) - ballots, "server_errors": errors,
        "refused": timings.statuses.get("refused", {}), "failures": timings.failures[:10],
        "requests": len(every),
        "p50": {kind: percentile(values, 0.50) for kind, values in timings.seconds.items()},
        "p95": {kind: percentile(values, 0.95) for kind, values in timings.seconds.items()},
        "max": {kind: max(values) for kind, values in timings.seconds.items()},
        "p95_all": percentile(every, 0.95),
    }


SIZES = {"tiny": (12, 3.0), "quick": (RATERS, MEETING_SECONDS), "full": (RATERS, MEETING_SECONDS)}
TARGET_SECONDS = 1.0


def _fresh_database(server_url: str, name: str) -> str:
    """A new, empty database `name` beside the runner's PostgreSQL database."""
    base = server_url.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def figures_of(data: dict) -> list[Figure]:
    """One installation's meeting as lines of BENCHMARKS.md."""
    where, raters = data["installation"], data["raters"]
    bench = f"{raters} raters in {data['meeting_seconds']:.0f} s ({where})"
    refused = sum(data["refused"].values())
    clean = data["refused"].get("400", data["refused"].get(400, 0))
    notes = [f"{data['requests']} requests in {data['wall_seconds']} s; ballots stored {data['ballots']}, codes used "
             f"{data['used_codes']}, lost {data['lost']}, server errors or time-outs {data['server_errors']}; "
             f"{refused} second submits and guessed codes, {clean} refused cleanly (400 with the message)"]
    notes += [f"failure: {text}" for text in data["failures"]]
    intact = data["lost"] == 0 and data["ballots"] == data["used_codes"] == raters and data["server_errors"] == 0 \
        and clean == refused
    return [
        Figure(bench, "every request (page, code, ballot, refusals): p95", data["p95_all"], "s",
               target=f"< {TARGET_SECONDS:g} s", met=data["p95_all"] < TARGET_SECONDS and intact, notes=notes),
        Figure(bench, "casting the ballot (POST /vote/ballot/): p95", data["p95"]["ballot"], "s",
               spread=(data["p50"]["ballot"], data["max"]["ballot"]), target=f"< {TARGET_SECONDS:g} s",
               met=data["p95"]["ballot"] < TARGET_SECONDS,
               notes=["spread: [median, max]"]),
        Figure(bench, "entering the code (POST /vote/): p95", data["p95"]["code"], "s",
               spread=(data["p50"]["code"], data["max"]["code"]), notes=["spread: [median, max]"]),
    ]


def run(size: str, database_url: str | None) -> list[Figure]:
    """The figures at `size` on SQLite (`kaohe runserver`) and, with `database_url`, on PostgreSQL
    (a fresh database beside it) behind gunicorn's sync workers and behind its gthread workers."""
    raters, seconds = SIZES[size]
    found: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="kaohe-survey-bench-") as folder:
        targets: list[tuple[str, str | None, int]] = [("sqlite", None, 0)]
        if database_url:
            targets += [("postgres-sync", database_url, 0), ("postgres-gthread", database_url, 8)]
        for label, url, threads in targets:
            try:
                if url is not None:
                    url = _fresh_database(url, "kaohe_bench_survey")
                data = _run(Path(folder) / label, url, raters=raters, seconds=seconds, say=print, threads=threads)
            except (OSError, RuntimeError, subprocess.SubprocessError) as error:
                found.append(Figure(f"meeting ({label})", "not run", float("nan"), "s", notes=[str(error)]))
                continue
            found += figures_of(data)
    return found
