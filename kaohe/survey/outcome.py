"""A survey's results: counted from the ballots by the core (`kaohe.core.survey.tally`), published
once as an immutable record whose scores become a weighted component of the cycle's results
(`published_values`, read by kaohe.results.service).

`results_json` is the one JSON shape of the results (CLI, API, pages and the published record):
every figure a decimal string with two places; a group's average is null where the minimum group
size hides it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.record import record
from kaohe.core.survey import BallotError, Tally, tally
from kaohe.survey.codes import counts
from kaohe.survey.definition import SurveyError, definition_of
from kaohe.survey.models import Ballot, PublishedSurvey, RaterGroup, Survey


def compute(survey: Survey) -> dict[str, Any]:
    """The survey's results now, as JSON. Raises SurveyError when a stored ballot cannot be read."""
    groups = list(RaterGroup.objects.filter(survey=survey).order_by("position", "pk"))
    definition = definition_of(survey, groups)
    ballots = ((str(group_id), answers) for group_id, answers in
               Ballot.objects.filter(group__survey=survey).values_list("group_id", "answers").iterator(2000))
    try:
        counted = tally(definition, ballots)
    except BallotError as error:
        raise SurveyError(_("有无法读取的选票：%(problems)s") % {"problems": error}) from None
    return results_json(survey, counted)


def _two(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _weight(value: Decimal) -> str:
    """A weight as typed: 0.4000 → "0.4", 1.0000 → "1"."""
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def results_json(survey: Survey, counted: Tally) -> dict[str, Any]:
    codes = {str(c.group.pk): c for c in counts(survey)}
    return {
        "survey": survey.pk, "name": survey.name, "cycle": survey.cycle_id,
        "valid_rule": f"{survey.valid_numerator}/{survey.valid_denominator}",
        "min_group_size": survey.min_group_size,
        "cast": counted.cast, "valid": counted.valid,
        "groups": [{"name": g.name, "weight": _weight(codes[g.key].group.weight), "cast": g.cast, "valid": g.valid,
                    "codes": codes[g.key].issued, "used": codes[g.key].used} for g in counted.groups],
        "targets": [{
            "code": t.code, "name": t.name, "score": _two(t.score), "rated": t.rated, "abstained": t.abstained,
            "reweighted": t.reweighted,
            "groups": [{"name": g.name, "weight": _weight(g.weight), "rated": g.rated, "average": _two(g.average),
                        "shown": g.shown} for g in t.groups],
        } for t in counted.targets],
    }


@transaction.atomic
def publish(survey: Survey, user: Any) -> PublishedSurvey:
    """Publish the closed survey's results, once. Every target needs a score (a target nobody rated
    would leave the cycle's component without a value: extend the window instead)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if PublishedSurvey.objects.filter(survey=survey).exists():
        raise SurveyError(_("测评结果已经发布，不能再次发布。"), status=409)
    if survey.state() != "closed":
        raise SurveyError(_("测评结束后才能发布结果。"), status=409)
    results = compute(survey)
    missing = [t["name"] for t in results["targets"] if t["score"] is None]
    if missing:
        raise SurveyError(_("以下被测评对象没有有效评价，不能发布：%(names)s") % {"names": "、".join(missing)})
    published = PublishedSurvey.objects.create(survey=survey, results=results,
                                               published_by=user if getattr(user, "pk", None) else None)
    record("survey.publish", "survey", f"survey:{survey.pk}", cycle=survey.cycle,
           new={"cast": results["cast"], "valid": results["valid"], "targets": len(results["targets"])})
    return published


def published_values(survey_id: int) -> dict[str, Decimal] | None:
    """Unit code → published score of the survey, or None when it is not published. One query."""
    published = PublishedSurvey.objects.filter(survey_id=survey_id).first()
    if published is None:
        return None
    return {row["code"]: Decimal(row["score"]) for row in published.results["targets"] if row["score"] is not None}


def unit_row(published: PublishedSurvey, unit_code: str) -> dict[str, Any] | None:
    """One unit's own figures from the published results (what a unit user may see)."""
    return next((row for row in published.results["targets"] if row["code"] == unit_code), None)
