"""Making a survey of the demo cycle for the survey tests, and voting through the real page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from kaohe.core.survey import DEFAULT_OPTIONS, field_name
from kaohe.cycles.models import Cycle
from kaohe.survey import codes
from kaohe.survey.definition import GroupInput, QuestionInput, SurveyInput, save_survey
from kaohe.survey.models import Code, RaterGroup, Survey

TARGETS = ["yanshi", "mengjin", "xinan"]


def make_survey(cycle: Cycle, *, name: str = "2018年度民主测评", groups: tuple = (("市级领导", "0.4", 6), ("干部群众代表", "0.6", 8)),
                targets: list[str] | None = None, min_group_size: int = 5, open_now: bool = True,
                abstain_allowed: bool = True, questions: list[QuestionInput] | None = None) -> Survey:
    now = timezone.now()
    opens = now - timedelta(minutes=5) if open_now else now + timedelta(hours=1)
    survey = save_survey(cycle, None, SurveyInput(
        name=name, opens_at=opens, closes_at=opens + timedelta(hours=2),
        groups=[GroupInput(n, Decimal(w), c) for n, w, c in groups],
        questions=questions or [QuestionInput("总体评价", Decimal(1), DEFAULT_OPTIONS)],
        targets=list(TARGETS if targets is None else targets), min_group_size=min_group_size,
        abstain_allowed=abstain_allowed))
    for group in survey.groups.all():
        codes.add_codes(group)
    return survey


def group(survey: Survey, name: str) -> RaterGroup:
    return survey.groups.get(name=name)


def fresh_codes(survey: Survey, name: str) -> list[str]:
    return list(Code.objects.filter(group__survey=survey, group__name=name, used=False, voided=False)
                .order_by("serial").values_list("code", flat=True))


def answers(options: dict[str, str], question: str = "q1") -> dict[str, str]:
    """{target: option index or "-"} → the ballot's form fields."""
    return {field_name(target, question): value for target, value in options.items()}


def vote(client: Client, code: str, options: dict[str, str], **extra: str):
    """Enter the code on the page, then cast the ballot: the second response."""
    first = client.post("/vote/", {"code": code})
    assert first.status_code == 200, first.content.decode()[:500]
    return client.post("/vote/ballot/", {"code": code, **answers(options), **extra})


def close(survey: Survey) -> Survey:
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    survey.refresh_from_db()
    return survey


# -- a real server (`kaohe runserver` on its own SQLite file), for the log and concurrency tests

SERVER_SETUP = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from kaohe.core.survey import DEFAULT_OPTIONS
from kaohe.ops.demo import build_demo
from kaohe.survey import codes
from kaohe.survey.definition import GroupInput, QuestionInput, SurveyInput, save_survey
cycle = build_demo()["cycle"]
now = timezone.now()
s = save_survey(cycle, None, SurveyInput(name="服务器测评", opens_at=now - timedelta(minutes=1),
    closes_at=now + timedelta(hours=1), groups=[GroupInput("甲", Decimal(1), 3)],
    questions=[QuestionInput("总体评价", Decimal(1), DEFAULT_OPTIONS)], targets=["yanshi"]))
g = s.groups.get()
codes.add_codes(g)
print("CODES", " ".join(g.codes.order_by("serial").values_list("code", flat=True)))
"""


class Server:
    """`kaohe runserver` on a fresh SQLite database in `folder`, with a survey of three codes
    (`codes`), its output in `log`. Use as a context manager; `session()` is a browser-like client
    that has loaded the voting page (cookie and CSRF token)."""

    def __init__(self, folder) -> None:
        import os
        import re
        import subprocess
        import sys

        self.env = {**os.environ, "KAOHE_DATA_DIR": str(folder), "KAOHE_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"}
        self.env.pop("DATABASE_URL", None)
        self.kaohe = [sys.executable, "-m", "kaohe"]
        subprocess.run([*self.kaohe, "migrate", "-v0"], env=self.env, check=True, timeout=300)
        made = subprocess.run([*self.kaohe, "shell", "-c", SERVER_SETUP], env=self.env, capture_output=True,
                              text=True, timeout=300, check=True)
        self.codes = re.search(r"CODES (.+)", made.stdout).group(1).split()
        self.log = folder / "server.log"
        self.database = folder / "kaohe.sqlite3"

    def __enter__(self) -> Server:
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        with self.log.open("w") as out:
            self.process = subprocess.Popen([*self.kaohe, "runserver", f"127.0.0.1:{self.port}", "--noreload"],
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    def logged(self, text: str, seconds: float = 20) -> bool:
        """Whether the server's log shows `text` (the access line is written after the answer is sent)."""
        import time

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.log.read_text():
                return True
            time.sleep(0.1)
        return False

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def session(self):
        import re
        import time
        import urllib.parse
        import urllib.request
        from http.cookiejar import CookieJar

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        for _ in range(150):
            try:
                page = opener.open(f"{self.base}/vote/").read().decode()
                break
            except OSError:
                time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        base = self.base

        def post(path: str, fields: dict) -> tuple[int, str]:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
            request = urllib.request.Request(f"{base}{path}", data=data, headers={"Referer": f"{base}/vote/"})
            try:
                with opener.open(request) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        return post
