"""Benchmark of issue 19: hostile scoring sheets against a running installation.

Two installations, each started as a user would, with the demo (the county cycle; 组织部, its
largest department, scores 64 items for 18 units: 1,025 tasks): the server `make run` starts
(`kaohe runserver`, SQLite) and gunicorn with 4 workers (SQLite too: the work measured is the
reading of the file, which a database does not change). Against each:

- a legitimate upload of 组织部's downloaded sheet with 20 cells filled in (the first applies them,
  the next ones find them unchanged), through the API with the scorer's token, after the serving
  processes have been warmed up with the unchanged sheet;
- each hostile sheet of `HOSTILE` (built from that downloaded sheet): its refusal's time, its
  status, and the serving process's peak memory over the request (VmHWM, reset before each
  request through /proc/<pid>/clear_refs; with gunicorn, the largest growth among the workers);
- four clients uploading hostile sheets back to back for a while (`Size.load_seconds`) while another user (the
  leader, logged in through the log-in page) loads the cycle's page every 0.2 s: that page's p95,
  against its p95 with nothing else running.

Figures, never assertions; the runner writes them to BENCHMARKS.md. The hostile builders are the
tests' too (tests/web/cycles/test_hostile_sheets.py builds its sheets with them).
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from benchmarks.measure import Figure

GRID, MANIFEST = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PAGE_EVERY = 0.2
TIMEOUT = 120.0


@dataclass(frozen=True)
class Size:
    servers: tuple[str, ...]
    runs: int  # uploads of each sheet
    load_seconds: float  # the page under attack (and half of it alone)
    oversized_mb: int  # the body sent whole to the evidence API


SIZES = {
    "tiny": Size(("runserver",), 1, 2.0, 300),  # the test suite's: the code cannot rot
    "quick": Size(("runserver", "gunicorn"), 5, 20.0, 300),
    "full": Size(("runserver", "gunicorn"), 5, 60.0, 300),
}


# -- hostile sheets, built from a downloaded one ---------------------------------------------------

def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def appended(data: bytes, member: str, rows: bytes) -> bytes:
    parts = members(data)
    parts[member] = parts[member].replace(b"</sheetData>", rows + b"</sheetData>", 1)
    return zipped(parts)


def with_shared_strings(data: bytes, count: int) -> bytes:
    """The sheet with a shared-string table of `count` strings (as Excel would add one)."""
    parts = members(data)
    parts[STRINGS] = b"".join([b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN + b">",
                               b"<si><t>a</t></si>" * count, b"</sst>"])
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    return zipped(parts)


def grid_rows(count: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="E%d"><v>1</v></c></row>' % (n, n) for n in range(200, 200 + count))


def manifest_rows(count: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>value</t></is></c>'
                    b'<c r="B%d" t="inlineStr"><is><t>yanshi</t></is></c></row>' % (n, n, n)
                    for n in range(5_000, 5_000 + count))


def lying_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with `member`'s unpacked size in the central directory replaced by `size`."""
    start = 0
    while True:
        start = data.find(b"PK\x01\x02", start)
        if start < 0:
            raise ValueError(f"{member} is not in the archive")
        name_length = struct.unpack("<H", data[start + 28:start + 30])[0]
        if data[start + 46:start + 46 + name_length].decode() == member:
            return data[:start + 24] + struct.pack("<I", size) + data[start + 28:]
        start += 4


def doctype(data: bytes) -> bytes:
    """Entities declared in a DOCTYPE (a "billion laughs" in small) and used in a cell."""
    parts = members(data)
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8)) + b"]>"
    start = parts[GRID].index(b"<worksheet")
    parts[GRID] = (parts[GRID][:start] + laughs + parts[GRID][start:]).replace(b"<v>", b"<v>&i;", 1)
    return zipped(parts)


def many_members(data: bytes) -> bytes:
    parts = members(data)
    parts.update({f"xl/media/{n}.bin": b"" for n in range(70_000)})
    return zipped(parts)


# name → (make the hostile file from the downloaded sheet, what its refusal says)
HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "a million grid rows (86 MB unpacked)": (lambda d: appended(d, GRID, grid_rows(1_000_000)), "解压后"),
    "grid rows within the unpacked budget": (lambda d: appended(d, GRID, b"<row/>" * 400_000), "行超过"),
    "five million shared strings": (lambda d: with_shared_strings(d, 5_000_000), "解压后"),
    "shared strings within the unpacked budget": (lambda d: with_shared_strings(d, 300_000), "共享字符串超过"),
    "450,000 manifest rows": (lambda d: appended(d, MANIFEST, manifest_rows(450_000)), "解压后"),
    "manifest rows within the unpacked budget": (lambda d: appended(d, MANIFEST, manifest_rows(20_000)), "行超过"),
    "a grid that says it is small": (
        lambda d: lying_size(appended(d, GRID, grid_rows(1_000_000)), GRID, 50_000), "损坏"),
    "a grid that says it is huge": (lambda d: lying_size(d, GRID, 2**32 - 1), "解压后"),
    "entities in a DOCTYPE": (doctype, "DOCTYPE"),
    "70,000 zip members": (many_members, "成员过多"),
}


def filled(data: bytes, cells: int = 20) -> bytes:
    """The downloaded sheet with `cells` points cells filled in, as a scorer would in Excel."""
    import openpyxl

    from kaohe.formats.scoring_sheet import SHEET, read_sheet

    wb = openpyxl.load_workbook(io.BytesIO(data))
    for pair in read_sheet(data).cells[:cells]:
        wb[SHEET][pair.points_cell.split("!")[1]] = 0
        wb[SHEET][pair.reason_cell.split("!")[1]] = "台账不全"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- an installation, started as a user would ------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----kaohe-bench-hostile"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Installation:
    """A fresh SQLite installation in `folder` with the demo, served by `kaohe runserver` or by
    gunicorn with `workers` processes."""

    def __init__(self, folder: Path, server: str, workers: int = 4, port: int | None = None):
        self.folder, self.server, self.workers, self.port = folder, server, workers, port
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "KAOHE_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DATABASE_URL", None)
        self.process: subprocess.Popen | None = None
        self.base = ""

    def kaohe(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "kaohe", *args], env=self.env, check=True, timeout=900,
                              capture_output=True, text=True).stdout

    def prepare(self) -> tuple[int, str]:
        """The demo; (the cycle's id, the scorer's API token)."""
        for name in ("kaohe.sqlite3", "kaohe.sqlite3-wal", "kaohe.sqlite3-shm"):
            (self.folder / name).unlink(missing_ok=True)
        self.kaohe("migrate", "-v0")
        self.kaohe("demo")
        cycle = json.loads(self.kaohe("cycle", "list", "--json"))[0]["id"]
        return cycle, self.kaohe("token", "create", "scorer").strip()

    def start(self) -> str:
        port = self.port or _free_port()
        log = self.log = (self.folder / f"server-{self.server}.log").open("w")
        if self.server == "gunicorn":
            command = [str(Path(sys.executable).with_name("gunicorn")), "kaohe.web.wsgi", "-w", str(self.workers),
                       "-b", f"127.0.0.1:{port}", "--timeout", "30"]
        else:
            command = [sys.executable, "-m", "kaohe", "runserver", f"127.0.0.1:{port}", "--noreload"]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=5).read()
                return self.base
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start (see {log.name})")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.log.close()

    def pids(self) -> list[int]:
        """The processes that serve requests: runserver itself, or gunicorn's workers."""
        assert self.process is not None
        if self.server != "gunicorn":
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]


def _status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """The growth of the serving processes' peak resident memory over a request (bytes)."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def __enter__(self) -> PeakMemory:
        self.before = {}
        for pid in self.pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            self.before[pid] = _status(pid, "VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth = max(_status(pid, "VmHWM") - rss for pid, rss in self.before.items())


def upload(base: str, cycle: int, token: str, data: bytes) -> tuple[int, dict, float]:
    body, content_type = _multipart("评分表.xlsx", data)
    request = urllib.request.Request(f"{base}/api/v1/cycles/{cycle}/sheet", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    took = time.perf_counter() - started
    try:
        return status, json.loads(text), took
    except ValueError:
        return status, {"raw": text[:200].decode(errors="replace")}, took


def download(base: str, cycle: int, token: str) -> bytes:
    request = urllib.request.Request(f"{base}/api/v1/cycles/{cycle}/sheet", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.read()


class Browser:
    """Another user (the leader) with a session, as a browser: logs in through the log-in page."""

    def __init__(self, base: str, username: str = "leader", password: str = "kaohe-demo"):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.opener.open(f"{base}/accounts/login/", timeout=TIMEOUT).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        fields = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        self.opener.open(urllib.request.Request(f"{base}/accounts/login/", data=fields.encode(),
                                                headers={"Referer": f"{base}/accounts/login/"}), timeout=TIMEOUT).read()

    def get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=TIMEOUT) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        return status, time.perf_counter() - started


def oversized(base: str, cycle: int, megabytes: int) -> tuple[int, float]:
    """A body of `megabytes` sent in full to the evidence API (no `Expect: 100-continue`, so the
    server must read or discard it all): its status and the seconds until the answer."""
    host, port = base.removeprefix("http://").split(":")
    size = megabytes * 1024 * 1024
    started = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(b"POST /api/v1/cycles/%d/evidence HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/"
                           b"form-data; boundary=x\r\nContent-Length: %d\r\n\r\n" % (cycle, host.encode(), size))
        chunk, sent = b"\0" * (1024 * 1024), 0
        try:
            while sent < size:
                connection.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server answered and closed: what a proxy would see
        answer = connection.recv(64)
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def page_times(browser: Browser, path: str, seconds: float, stop: threading.Event | None = None) -> list[float]:
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (stop and stop.is_set()):
        started = time.perf_counter()
        status, took = browser.get(path)
        times.append(took if status == 200 else float("inf"))
        time.sleep(max(0.0, PAGE_EVERY - (time.perf_counter() - started)))
    return times


def measure(installation: Installation, size: Size, say: Callable[[str], None]) -> dict:
    """Every figure on one installation (see the module's docstring)."""
    cycle, token = installation.prepare()
    base = installation.start()
    try:
        sheet = download(base, cycle, token)
        legit = filled(sheet)
        figures: dict = {"server": installation.server, "sheet_bytes": len(sheet), "uploads": {}}
        for _ in range(2 * installation.workers if installation.server == "gunicorn" else 1):
            upload(base, cycle, token, sheet)  # every worker warmed up (imports, first queries): not counted
        for run in range(size.runs + 1):
            with PeakMemory(installation.pids()) as memory:
                status, body, took = upload(base, cycle, token, legit)
            key = "legitimate, first upload (20 changes applied)" if run == 0 else "legitimate, unchanged"
            figures["uploads"].setdefault(key, []).append(
                {"status": status, "seconds": took, "peak_bytes": memory.growth, "body": body})
        hostile = {name: make(sheet) for name, (make, _reason) in HOSTILE.items()}
        for name, data in hostile.items():
            say(f"  {name}……")
            for _ in range(size.runs):
                with PeakMemory(installation.pids()) as memory:
                    status, body, took = upload(base, cycle, token, data)
                figures["uploads"].setdefault(name, []).append(
                    {"status": status, "seconds": took, "peak_bytes": memory.growth, "bytes": len(data),
                     "refusal": (body.get("errors") or [{}])[0].get("message", "")[:120]})
        for _ in range(size.runs):
            with PeakMemory(installation.pids()) as memory:
                status, took = oversized(base, cycle, size.oversized_mb)
            figures["uploads"].setdefault(f"a {size.oversized_mb} MB request body, sent whole", []).append(
                {"status": status, "seconds": took, "peak_bytes": memory.growth, "refusal": "413 before the body is read"})
        browser = Browser(base)
        path = f"/cycles/{cycle}/"
        figures["page_alone"] = page_times(browser, path, size.load_seconds / 2)
        stop = threading.Event()
        heaviest = [hostile[n] for n in ("grid rows within the unpacked budget", "manifest rows within the unpacked budget",
                                         "shared strings within the unpacked budget", "a grid that says it is small")]
        counts = [0] * len(heaviest)
        errors: list[int] = []

        def attack(index: int) -> None:
            while not stop.is_set():
                status, _body, _took = upload(base, cycle, token, heaviest[index])
                counts[index] += 1
                if status >= 500 or status == 0:
                    errors.append(status)

        attackers = [threading.Thread(target=attack, args=(i,)) for i in range(len(heaviest))]
        for thread in attackers:
            thread.start()
        time.sleep(1.0)
        figures["page_under_attack"] = page_times(browser, path, size.load_seconds)
        stop.set()
        for thread in attackers:
            thread.join(timeout=TIMEOUT)
        figures["attack_uploads"] = sum(counts)
        figures["attack_server_errors"] = len(errors)
        return figures
    finally:
        installation.stop()


def summarize(figures: dict) -> dict:
    """Medians and peaks per upload kind; p95 of the page alone and under attack."""
    out: dict = {"server": figures["server"], "uploads": {}}
    for name, runs in figures["uploads"].items():
        out["uploads"][name] = {
            "status": sorted({r["status"] for r in runs}),
            "median_ms": round(statistics.median(r["seconds"] for r in runs) * 1000, 1),
            "max_peak_mb": round(max(r["peak_bytes"] for r in runs) / 1024 / 1024, 1),
            "refusal": runs[0].get("refusal", ""),
        }
    for key in ("page_alone", "page_under_attack"):
        times = figures[key]
        out[key] = {"requests": len(times), "p50_ms": round(percentile(times, 0.5) * 1000, 1),
                    "p95_ms": round(percentile(times, 0.95) * 1000, 1)}
    out["attack_uploads"] = figures["attack_uploads"]
    out["attack_server_errors"] = figures["attack_server_errors"]
    return out


def section_figures(results: list[dict]) -> list[Figure]:
    """BENCHMARKS.md's figures for the runner's section (see `run`)."""
    figures = []
    for result in results:
        server = {"runserver": "`make run`'s server (kaohe runserver)", "gunicorn": "gunicorn, 4 workers"}[
            result["server"]]
        benchmark = f"scoring sheet uploads on {server}, SQLite"
        legitimate = result["uploads"]["legitimate, unchanged"]
        for name, upload in result["uploads"].items():
            legit = name.startswith("legitimate")
            status = "/".join(str(code) for code in upload["status"])
            what = f"{name} ({status})" if legit else f"refusing {name} ({status})"
            figures.append(Figure(benchmark, what, upload["median_ms"], "ms",
                                  baseline="" if legit else "the legitimate sheet, unchanged",
                                  baseline_value=None if legit else legitimate["median_ms"],
                                  notes=[upload["refusal"]] if upload["refusal"] else []))
            figures.append(Figure(benchmark, f"{name}: the serving process's peak memory growth", upload["max_peak_mb"],
                                  "MB"))
        alone, attacked = result["page_alone"], result["page_under_attack"]
        figures.append(Figure(benchmark, f"another user's page, p95, alone ({alone['requests']} requests)",
                              alone["p95_ms"], "ms"))
        figures.append(Figure(benchmark, f"another user's page, p95, while four clients upload hostile sheets "
                                         f"({attacked['requests']} requests; {result['attack_uploads']} hostile uploads, "
                                         f"{result['attack_server_errors']} server errors)",
                              attacked["p95_ms"], "ms", baseline="alone", baseline_value=alone["p95_ms"],
                              target="< 1 s", met=attacked["p95_ms"] < 1000))
    return figures


def run(size: str, workdir: Path, say: Callable[[str], None] = print, port: int | None = None) -> list[Figure]:
    """The runner's section: every server of the size, each in a fresh installation in `workdir`."""
    conf = SIZES[size]
    results = []
    for server in conf.servers:
        say(f"恶意评分表：{server}……")
        results.append(summarize(measure(Installation(workdir / f"hostile-{server}", server, port=port), conf, say)))
    return section_figures(results)
