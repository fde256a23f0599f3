"""The results' part of the cockpit (kaohe.cycles.cockpit), registered in kaohe.results.apps:

- the stage 发布结果: a locked cycle without a published version publishes version 1; one locked
  again after its latest version, with scores changed since (a re-opening), publishes the next;
- the section 已发布的结果: every published version, newest first.
Two queries for any number of cycles (a third, the scores' latest change, only for cycles locked
again after their latest version); the section one.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.models import Event
from kaohe.cycles.cockpit import Action, Section, Step
from kaohe.cycles.models import Cycle, Score
from kaohe.results.models import ResultSnapshot


def _publish(cycle: Cycle, version: int) -> Action:
    return Action(_("发布结果（第%(version)d版）") % {"version": version}, reverse("results:publish", args=[cycle.pk]),
                  confirm=_("发布后该版本不能修改，各被考核单位将收到通知。确定发布吗？"))


def _preview(cycle: Cycle) -> Action:
    return Action(_("查看计算结果"), reverse("results:page", args=[cycle.pk]), post=False)


def publish_stage(cycles: Sequence[Cycle]) -> dict[int, Step]:
    locked = [cycle for cycle in cycles if cycle.status == Cycle.Status.LOCKED]
    if not locked:
        return {}
    latest = {row["cycle"]: (row["version"], row["at"]) for row in ResultSnapshot.objects.filter(cycle__in=locked)
              .order_by().values("cycle").annotate(version=Max("version"), at=Max("published_at"))}
    steps = {}
    for cycle in locked:
        if cycle.pk not in latest:
            steps[cycle.pk] = Step("publish", _("核对并发布考核结果"), _publish(cycle, 1), secondary=(_preview(cycle),))
    published = [cycle for cycle in locked if cycle.pk in latest]
    if not published:
        return steps
    relocked = {row["cycle"]: row["at"] for row in Event.objects.filter(
        action="cycle.locked", cycle__in=published).order_by().values("cycle").annotate(at=Max("at"))}
    again = [cycle for cycle in published if relocked.get(cycle.pk) and relocked[cycle.pk] > latest[cycle.pk][1]]
    if again:
        changed = {row["cycle"]: row["at"] for row in Score.objects.filter(cycle__in=again).order_by()
                   .values("cycle").annotate(at=Max("updated_at"))}
        for cycle in again:
            version, at = latest[cycle.pk]
            if changed.get(cycle.pk) and changed[cycle.pk] > at:
                steps[cycle.pk] = Step("publish", _("评分在第%(version)d版发布后有修改：核对并发布新版本") % {"version": version},
                                       _publish(cycle, version + 1), secondary=(_preview(cycle),))
    return steps


def versions_section(cycle: Cycle) -> Section | None:
    snapshots = list(ResultSnapshot.objects.filter(cycle=cycle).select_related("published_by")
                     .defer("results", "rules").order_by("-version"))
    if not snapshots and cycle.status != Cycle.Status.LOCKED:
        return None
    data = {"versions": [{"version": s.version, "published_at": s.published_at.isoformat(), "complete": s.complete,
                          "published_by": str(s.published_by) if s.published_by else None} for s in snapshots]}
    lines = tuple(_("第%(version)d版：%(at)s发布") % {"version": s.version, "at": timezone.localtime(s.published_at).strftime("%Y-%m-%d %H:%M")}
                  for s in snapshots)
    return Section("results", _("已发布的结果"), "results/cockpit.html", data, lines, {"snapshots": snapshots})
