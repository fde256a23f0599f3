"""The child process of the API load benchmark (`python -m benchmarks.api.database prepare|check`),
on the benchmark's database: it prepares the department, its scorers and their tokens, and after
the run checks every write the clients saw against the database. One JSON line out (MARK)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

from benchmarks import CHECKOUT
from benchmarks.api.plan import LoadError
from benchmarks.api.server import environment

MARK = "KAOHE-API-LOAD "


def child(action: str, database_url: str, data_dir: str, payload: dict) -> dict:
    """Run `python -m benchmarks.api.database <action>` on the database; its answer is one JSON line."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.api.database", action],
                          input=json.dumps(payload), capture_output=True, text=True, cwd=CHECKOUT,
                          env={**environment(database_url, data_dir), "DJANGO_SETTINGS_MODULE": "benchmarks.settings"},
                          check=False)
    answer = next((line[len(MARK):] for line in done.stdout.splitlines() if line.startswith(MARK)), None)
    if done.returncode != 0 or answer is None:
        raise LoadError(f"`{action}` failed (exit code {done.returncode}): {done.stderr.strip()[-3000:]}")
    return json.loads(answer)



# ---------------------------------------------------------------------------------------------
# The child: prepare the database, check it after the run

def _prepare(payload: dict) -> dict:
    from django.core.management import call_command

    from benchmarks.grid import build_department
    from kaohe.accounts.models import ApiToken, Role, User
    from kaohe.audit.models import Event
    from kaohe.cycles.models import Score

    call_command("migrate", verbosity=0)
    clients, units, items = payload["clients"], payload["units"], payload["items"]
    tag = f"api{units}x{items}"
    cycle, scorer = build_department(units, items, tag)
    department = scorer.department
    answer = []
    unit_codes = list(cycle.units.order_by("position").values_list("code", flat=True))
    tasks = list(Score.objects.filter(cycle=cycle).values_list("unit__code", "node__code", "node__points", "version",
                                                               "points"))
    for index in range(clients):
        user, _created = User.objects.get_or_create(
            username=f"bench-{tag}-{index + 1:02d}", defaults={"role": Role.SCORER, "department": department})
        _token, key = ApiToken.issue(user, name="kaohe bench api_load")
        mine = set(unit_codes[index::clients])
        answer.append({"token": key, "tasks": [[u, i, str(p), v, None if now is None else str(now)]
                                               for u, i, p, v, now in tasks if u in mine]})
    versions = {f"{u}/{i}": v for u, i, _p, v, _now in tasks}
    return {"cycle": cycle.pk, "step": str(cycle.step), "clients": answer, "tasks": len(tasks),
            "versions": versions, "events": Event.objects.filter(cycle=cycle, action="score.update").count()}


def _check(payload: dict) -> dict:
    from kaohe.audit.models import Event
    from kaohe.cycles.models import Score

    problems = []
    stored = {f"{u}/{i}": (v, p) for u, i, v, p in Score.objects.filter(cycle_id=payload["cycle"]).values_list(
        "unit__code", "node__code", "version", "points")}
    successes = 0
    for unit, item, version, count, last in payload["tasks"]:
        key = f"{unit}/{item}"
        successes += count
        before = payload["versions_before"][key]
        now, points = stored[key]
        if now - before != count:
            problems.append(f"{key}: version {before} → {now}, but {count} saves succeeded")
        if version != now:
            problems.append(f"{key}: the client last saw version {version}, the database has {now}")
        if last is not None and points != Decimal(last):
            problems.append(f"{key}: the last save was {last}, the database has {points}")
    events = Event.objects.filter(cycle_id=payload["cycle"], action="score.update").count() - payload["events_before"]
    if events != successes:
        problems.append(f"{events} audit events for {successes} successful saves")
    return {"ok": not problems, "problems": problems, "successes": successes, "events": events}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    django.setup()
    from kaohe.audit.context import acting_as

    action, payload = sys.argv[1], json.loads(sys.stdin.read())
    with acting_as(name="kaohe bench"):
        answer = {"prepare": _prepare, "check": _check}[action](payload)
    print(MARK + json.dumps(answer, default=str))


if __name__ == "__main__":
    main()
