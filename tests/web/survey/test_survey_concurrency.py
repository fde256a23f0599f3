"""Twenty submits of one code at once store exactly one ballot: on PostgreSQL (threads, each with
its own connection, through the real page), and on the default installation (a real `kaohe
runserver` on its SQLite file, twenty clients at once). The others are refused with the same
message as any unusable code, and the code is used once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from kaohe.survey.models import Ballot, Code

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
SUBMITS = 20


def at_once(work) -> list:
    barrier, results, lock = threading.Barrier(SUBMITS), [], threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome = work()
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(SUBMITS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.skipif(not POSTGRES, reason="threads on the test database need PostgreSQL's row locks; "
                    "SQLite is covered through a real server below")
@pytest.mark.django_db(transaction=True)
def test_twenty_submits_of_one_code_at_once_store_one_ballot_on_postgresql(committed_demo, survey_kit):
    kit = survey_kit
    survey = kit.make_survey(committed_demo)
    code = kit.fresh_codes(survey, "市级领导")[0]
    fields = {"code": code, **kit.answers({t: "0" for t in kit.TARGETS})}
    statuses = at_once(lambda: Client().post("/vote/ballot/", fields).status_code)
    assert Counter(statuses) == Counter({200: 1, 400: SUBMITS - 1})
    assert Ballot.objects.count() == 1
    assert Code.objects.filter(used=True).count() == 1


@pytest.mark.skipif(POSTGRES, reason="the default installation's server runs on SQLite")
def test_twenty_submits_of_one_code_at_once_store_one_ballot_on_the_default_server(tmp_path, survey_kit):
    import sqlite3

    with survey_kit.Server(tmp_path) as server:
        code = server.codes[0]
        sessions = [server.session() for _ in range(SUBMITS)]
        it = iter(sessions)
        lock = threading.Lock()

        def submit() -> int:
            with lock:
                post = next(it)
            return post("/vote/ballot/", {"code": code, "a:yanshi:q1": "1"})[0]

        statuses = at_once(submit)
    assert Counter(statuses) == Counter({200: 1, 400: SUBMITS - 1})
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT count(*) FROM survey_ballot").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM survey_code WHERE used").fetchone()[0] == 1
