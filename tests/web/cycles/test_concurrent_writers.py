"""Concurrent writers on PostgreSQL: many clients at once through the real paths, outcomes counted
and checked in the database afterwards.

- Many clients save the same score with the same version through the API: exactly one wins, the
  rest get 409 conflict; the row is at version 1 with the winner's points and has one audit event.
- Many clients save different scores at once: every save lands, one audit event each.
- Office users lock the same cycle at once (the cycle page's button): one transition, the others a
  clean refusal. Office users publish the same results at once: one snapshot version, the others
  a clean refusal (an identical version is not published twice).
- Locking the cycle while a department is re-opened: never a locked cycle with an open department.

PostgreSQL only: SQLite serialises every writer (IMMEDIATE transactions), so threads there would
prove nothing about row locks. The tests commit (`transaction=True`, the threads have their own
connections and must see the data), so they build the demo themselves: a transactional test
empties the database when it ends. Run with `-s` to see the counts.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.models import OuterRef, Subquery
from django.test import Client

from kaohe.accounts.models import ApiToken, Role, User
from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.cycles.scoring import score_key
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [
    pytest.mark.skipif(not POSTGRES, reason="concurrent writers need PostgreSQL's row locks "
                       "(run with DATABASE_URL=$KAOHE_TEST_POSTGRES_URL; SQLite serialises every writer)"),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 24  # threads started together on one barrier
DEPARTMENT = "swzzb"  # 市委组织部: scorer and head


@pytest.fixture
def demo() -> Cycle:
    """The demo, committed. Rebuilt here because an earlier transactional test may have emptied
    the database (pytest-django runs transactional tests after the others)."""
    from kaohe.ops.demo import build_demo

    built = build_demo()["cycle"]
    User.objects.get_or_create(username="office2", defaults={"role": Role.OFFICE, "last_name": "考核办二"})
    return Cycle.objects.get(pk=built.pk)  # as saved: a freshly built demo's object still says draft


def run_together(count: int, prepare: Callable[[int], Any], act: Callable[[int, Any], Any]) -> list[Any]:
    """`count` threads: each prepares (its client), waits on one barrier, acts; each closes its own
    database connections at the end. Returns each thread's result or the exception it raised."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def thread(index: int) -> None:
        try:
            prepared = prepare(index)
            barrier.wait(timeout=60)
            outcomes[index] = act(index, prepared)
        except BaseException as error:  # counted as an error by the caller
            outcomes[index] = error
            barrier.abort()
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=thread, args=(i,), name=f"writer-{i}") for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return outcomes


def report(case: str, outcomes: list[Any], wins: int, refusals: int) -> None:
    errors = sum(isinstance(o, BaseException) for o in outcomes)
    print(f"\n[concurrent writers] {case}: clients={len(outcomes)} attempts={len(outcomes)} "
          f"wins={wins} conflicts/refusals={refusals} errors={errors}")


def bearer_client(user: User) -> Client:
    key = ApiToken.issue(user, name="concurrency test")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def put_score(client: Client, cycle: Cycle, score: Score, points: str, reason: str, version: int):
    return client.put(f"/api/v1/cycles/{cycle.pk}/scores/{score.unit.code}/{score.node.code}",
                      data=json.dumps({"points": points, "reason": reason, "version": version}),
                      content_type="application/json")


def tasks(cycle: Cycle) -> list[Score]:
    return list(Score.objects.filter(cycle=cycle, department__code=DEPARTMENT)
                .select_related("unit", "node").order_by("node__position", "unit__position"))


def department_users() -> list[User]:
    return list(User.objects.filter(username__in=["scorer", "head"]).order_by("username"))


# ----------------------------------------------------------------------------- scores


def test_many_clients_saving_the_same_score_one_wins_the_rest_conflict(demo):
    cycle = demo
    score = max(tasks(cycle), key=lambda s: s.node.points)
    people = department_users()

    def points(i: int) -> Decimal:  # below full marks, in steps of 0.1; each client's reason is its own
        return Decimal(i % int(score.node.points * 10)) / 10

    outcomes = run_together(
        CLIENTS, lambda i: bearer_client(people[i % 2]),
        lambda i, client: put_score(client, cycle, score, str(points(i)), f"第{i}个客户端", 0))

    statuses = Counter(getattr(o, "status_code", "error") for o in outcomes)
    report("same score, same version", outcomes, statuses[200], statuses[409])
    assert statuses == {200: 1, 409: CLIENTS - 1}, statuses
    winner = next(i for i, o in enumerate(outcomes) if o.status_code == 200)
    for response in outcomes:
        if response.status_code == 409:
            body = response.json()
            assert body["code"] == "conflict" and body["current"]["version"] == 1, body
    score.refresh_from_db()
    assert score.version == 1
    assert score.points == points(winner) and score.reason == f"第{winner}个客户端"
    events = Event.objects.filter(action="score.update", object_key=score_key(score))
    assert events.count() == 1
    assert events.get().new["points"] == outcomes[winner].json()["points"]


def test_many_clients_saving_different_scores_all_land(demo):
    cycle = demo
    chosen = tasks(cycle)[:CLIENTS]
    people = department_users()

    outcomes = run_together(
        CLIENTS, lambda i: bearer_client(people[i % 2]),
        lambda i, client: put_score(client, cycle, chosen[i], str(chosen[i].node.points), "", 0))

    statuses = Counter(getattr(o, "status_code", "error") for o in outcomes)
    report("different scores", outcomes, statuses[200], statuses[409])
    assert statuses == {200: CLIENTS}, statuses
    saved = {s.pk: s for s in Score.objects.filter(pk__in=[s.pk for s in chosen])}
    for task in chosen:
        assert saved[task.pk].points == task.node.points and saved[task.pk].version == 1, task
        assert Event.objects.filter(action="score.update", object_key=score_key(task)).count() == 1
    assert Event.objects.filter(action="score.update", cycle=cycle).count() == CLIENTS


# ----------------------------------------------------------------------------- cycle and results


def office_clients(count: int) -> Callable[[int], Client]:
    """Two office users, each clicking `count / 2` times (double clicks included)."""
    people = list(User.objects.filter(username__in=["office", "office2"]).order_by("username"))

    def prepare(index: int) -> Client:
        client = Client()
        client.force_login(people[index % 2])
        return client

    return prepare


def message(response) -> str:
    """The one message the page shows after the redirect."""
    found = re.findall(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
    texts = re.findall(r"<li[^>]*>(.*?)</li>", found[0], re.S) if found else []
    return " | ".join(t.strip() for t in texts)


def under_review_with_every_department_locked(cycle: Cycle) -> None:
    Submission.objects.filter(cycle=cycle).update(state=Submission.State.LOCKED)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.REVIEW)


def test_office_users_locking_the_cycle_at_once_make_one_transition(demo):
    cycle = demo
    under_review_with_every_department_locked(cycle)
    clicks = 8

    outcomes = run_together(clicks, office_clients(clicks),
                            lambda i, client: client.post(f"/cycles/{cycle.pk}/lock/", follow=True))

    texts = Counter(message(o) if not isinstance(o, BaseException) else "error" for o in outcomes)
    report("lock the cycle", outcomes, texts["考核周期已锁定。"], texts["只有审核中的考核周期可以锁定。"])
    assert all(getattr(o, "status_code", None) == 200 for o in outcomes), outcomes
    assert texts == {"考核周期已锁定。": 1, "只有审核中的考核周期可以锁定。": clicks - 1}, texts
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.LOCKED
    assert Event.objects.filter(action="cycle.locked", cycle=cycle).count() == 1


def test_office_users_publishing_at_once_make_one_version(demo):
    cycle = demo
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))  # complete: no confirmation needed
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    clicks = 8

    outcomes = run_together(clicks, office_clients(clicks),
                            lambda i, client: client.post(f"/results/{cycle.pk}/publish/"))

    places = Counter(o["Location"] if not isinstance(o, BaseException) else "error" for o in outcomes)
    published, refused = f"/results/{cycle.pk}/v/1/", f"/results/{cycle.pk}/"
    report("publish the results", outcomes, places[published], places[refused])
    assert places == {published: 1, refused: clicks - 1}, places
    assert list(ResultSnapshot.objects.filter(cycle=cycle).values_list("version", flat=True)) == [1]
    assert Event.objects.filter(action="results.publish", cycle=cycle).count() == 1
    # the refusal says why, on the results page
    client = office_clients(2)(0)
    page = client.post(f"/results/{cycle.pk}/publish/", follow=True)
    assert "与已发布的第1版相同" in page.content.decode()
    # a real change is published as the next version
    Score.objects.filter(pk=Score.objects.filter(cycle=cycle).first().pk).update(points=Decimal(0))
    assert client.post(f"/results/{cycle.pk}/publish/")["Location"] == f"/results/{cycle.pk}/v/2/"


def test_locking_the_cycle_while_a_department_is_reopened_never_leaves_it_inconsistent(demo, monkeypatch):
    """The office locks the cycle (paused just before it commits) while another office user
    re-opens one department. The re-opening must wait for the lock and then be refused; otherwise
    the cycle ends locked with a department back in scoring."""
    from kaohe.audit import record as audit
    from kaohe.cycles import lifecycle, review
    from kaohe.cycles.review import ReviewError

    cycle = demo
    under_review_with_every_department_locked(cycle)
    inside, release = threading.Event(), threading.Event()

    def paused_record(*args, **kwargs):
        event = audit.record(*args, **kwargs)
        inside.set()
        release.wait(timeout=60)
        return event

    monkeypatch.setattr(lifecycle, "record", paused_record)
    office2 = User.objects.get(username="office2")
    submission = Submission.objects.select_related("department", "cycle").get(
        cycle=cycle, department__code=DEPARTMENT)
    outcomes: dict[str, Any] = {}

    def attempt(name: str, action: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            try:
                outcomes[name] = action()
            except BaseException as error:
                outcomes[name] = error
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, name=name)
        thread.start()
        return thread

    locker = attempt("lock", lambda: lifecycle.lock_cycle(Cycle.objects.get(pk=cycle.pk)))
    assert inside.wait(timeout=60)
    reopener = attempt("reopen", lambda: review.reopen(office2, submission, "补充材料"))
    # wait until the re-opening either finished (unsafe) or waits for a row lock (safe)
    deadline = time.monotonic() + 30
    while reopener.is_alive() and time.monotonic() < deadline and not waiting_for_a_lock():
        time.sleep(0.05)
    release.set()
    locker.join(timeout=60)
    reopener.join(timeout=60)
    assert not locker.is_alive() and not reopener.is_alive()

    assert outcomes["lock"] is None, outcomes["lock"]
    assert isinstance(outcomes["reopen"], ReviewError) and outcomes["reopen"].status == 409, outcomes["reopen"]
    assert "已锁定" in outcomes["reopen"].message
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.LOCKED
    assert set(Submission.objects.filter(cycle=cycle).values_list("state", flat=True)) == {"locked"}
    print(f"\n[concurrent writers] lock cycle vs reopen department: lock={outcomes['lock']!r} "
          f"reopen={type(outcomes['reopen']).__name__}: {outcomes['reopen']}")


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def test_a_save_racing_the_departments_submission_never_lands_after_it(demo, monkeypatch):
    """A scorer clears a score (paused just after the editability check) while the head submits
    the department's complete scores. Either the save lands first and the submission is refused
    (an item is unscored), or the submission wins and the save is refused; never a submitted
    department with an unscored item."""
    from kaohe.cycles import review, scoring
    from kaohe.cycles.scoring import Entry, save_score

    cycle = demo
    Score.objects.filter(cycle=cycle, department__code=DEPARTMENT).update(points=Decimal(0), reason="测试")
    score = tasks(cycle)[0]
    scorer, head = User.objects.get(username="scorer"), User.objects.get(username="head")
    submission = Submission.objects.select_related("department", "cycle").get(
        cycle=cycle, department__code=DEPARTMENT)
    checked, release = threading.Event(), threading.Event()
    real_check = scoring.check_can_edit

    def paused_check(*args, **kwargs):
        real_check(*args, **kwargs)
        checked.set()
        release.wait(timeout=60)

    monkeypatch.setattr(scoring, "check_can_edit", paused_check)
    outcomes: dict[str, Any] = {}

    def attempt(name: str, action: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            try:
                outcomes[name] = action()
            except BaseException as error:
                outcomes[name] = error
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, name=name)
        thread.start()
        return thread

    saver = attempt("save", lambda: save_score(scorer, cycle, score.unit.code, score.node.code,
                                               Entry(points="", reason="", version=0), source="api"))
    if not checked.wait(timeout=60):
        pytest.fail(f"the save never reached its pause: {outcomes}")
    submitter = attempt("submit", lambda: review.submit(head, submission))
    deadline = time.monotonic() + 30
    while submitter.is_alive() and time.monotonic() < deadline and not waiting_for_a_lock():
        time.sleep(0.05)
    release.set()
    saver.join(timeout=60)
    submitter.join(timeout=60)
    assert not saver.is_alive() and not submitter.is_alive()

    print(f"\n[concurrent writers] save vs submit: save={type(outcomes['save']).__name__} "
          f"submit={type(outcomes['submit']).__name__}")
    state = Submission.objects.get(pk=submission.pk).state
    unscored = Score.objects.filter(cycle=cycle, department__code=DEPARTMENT, points__isnull=True).count()
    assert not (state == Submission.State.SUBMITTED and unscored), (state, unscored, outcomes)
