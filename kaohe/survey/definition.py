"""A survey's definition: saving it (pages, CLI and API alike) and turning it into the core's
`Definition`. What the rules refuse is a `SurveyError` listing every reason.

The definition can change until the window opens (and while no ballot exists); the window itself
(close early, extend) until the results are published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.record import record
from kaohe.core.survey import (
    MAX_CODES_PER_GROUP,
    Definition,
    Group,
    Option,
    Question,
    Target,
    clean_label,
    validate_definition,
)
from kaohe.core.text import SURVEY_GROUP_NAME, SURVEY_NAME, SURVEY_QUESTION
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.survey.models import Ballot, PublishedSurvey, RaterGroup, Survey

NAME_LENGTH = SURVEY_NAME.limit  # the table of limits: kaohe.core.text.FIELDS, docs/limits.md
GROUP_NAME_LENGTH = SURVEY_GROUP_NAME.limit
QUESTION_LENGTH = SURVEY_QUESTION.limit


class SurveyError(Exception):
    """What the survey's rules refuse; `problems` lists every reason (Chinese, for the user)."""

    def __init__(self, message: str, problems: Iterable[str] = (), status: int = 422):
        self.message = message
        self.problems = list(problems) or [message]
        self.status = status
        super().__init__(message)


@dataclass
class GroupInput:
    name: str
    weight: Decimal
    planned: int


@dataclass
class QuestionInput:
    text: str
    weight: Decimal
    options: tuple[Option, ...]


@dataclass
class SurveyInput:
    """Everything that defines a survey, as the office gives it."""

    name: str
    opens_at: datetime
    closes_at: datetime
    groups: list[GroupInput]
    questions: list[QuestionInput]
    targets: list[str] = field(default_factory=list)  # unit codes; empty: every unit of the cycle
    valid_numerator: int = 2
    valid_denominator: int = 3
    min_group_size: int = 5
    abstain_allowed: bool = True


def units_of(cycle: Cycle) -> list[CycleUnit]:
    return list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))


def questions_json(questions: Iterable[QuestionInput]) -> list[dict[str, Any]]:
    return [{"key": f"q{index}", "text": q.text, "weight": str(q.weight),
             "options": [{"label": o.label, "points": str(o.points)} for o in q.options]}
            for index, q in enumerate(questions, start=1)]


def core_questions(stored: list[dict[str, Any]]) -> tuple[Question, ...]:
    return tuple(Question(str(q["key"]), str(q["text"]), Decimal(str(q["weight"])),
                          tuple(Option(str(o["label"]), Decimal(str(o["points"]))) for o in q["options"]))
                 for q in stored)


def definition_of(survey: Survey, groups: list[RaterGroup] | None = None,
                  names: Mapping[str, str] | None = None) -> Definition:
    """The core's Definition of a saved survey (group keys are the groups' ids as text)."""
    groups = groups if groups is not None else list(survey.groups.all())
    if names is None:
        names = dict(CycleUnit.objects.filter(cycle_id=survey.cycle_id).values_list("code", "name"))
    return Definition(
        targets=tuple(Target(code, names.get(code, code)) for code in survey.targets),
        groups=tuple(Group(str(g.pk), g.name, g.weight) for g in groups),
        questions=core_questions(survey.questions),
        valid_numerator=survey.valid_numerator, valid_denominator=survey.valid_denominator,
        min_group_size=survey.min_group_size, abstain_allowed=survey.abstain_allowed)


def _same_name(cycle: Cycle, name: str, survey: Survey | None) -> QuerySet[Survey]:
    """Other surveys of the cycle with this name."""
    found = Survey.objects.filter(cycle=cycle, name=name)
    return found.exclude(pk=survey.pk) if survey is not None else found


def _problems(cycle: Cycle, values: SurveyInput, survey: Survey | None) -> tuple[list[str], list[str]]:
    """(every problem, the target codes) of `values` for `cycle`."""
    problems: list[str] = []
    units = {u.code: u for u in units_of(cycle)}
    targets = list(dict.fromkeys(values.targets)) or list(units)
    for code in targets:
        if code not in units:
            problems.append(_("这个考核周期没有编码为 %(code)s 的被考核单位。") % {"code": code[:40]})
    if not values.name:
        problems.append(_("请填写测评名称。"))
    elif len(values.name) > NAME_LENGTH:
        problems.append(_("测评名称最多%(count)d个字。") % {"count": NAME_LENGTH})
    elif _same_name(cycle, values.name, survey).exists():
        problems.append(_("这个考核周期已有名为“%(name)s”的测评。") % {"name": values.name})
    if values.closes_at <= values.opens_at:
        problems.append(_("结束时间必须晚于开始时间。"))
    for group in values.groups:
        if len(group.name) > GROUP_NAME_LENGTH:
            problems.append(_("测评群体名称最多%(count)d个字。") % {"count": GROUP_NAME_LENGTH})
        if not 1 <= group.planned <= MAX_CODES_PER_GROUP:
            problems.append(_("“%(name)s”的测评码数应在1到%(max)d之间。") % {"name": group.name,
                                                                          "max": MAX_CODES_PER_GROUP})
        if group.weight != group.weight.quantize(Decimal("0.0001")):
            problems.append(_("“%(name)s”的权重最多四位小数。") % {"name": group.name})
    for question in values.questions:
        if len(question.text) > QUESTION_LENGTH:
            problems.append(_("测评问题最多%(count)d个字。") % {"count": QUESTION_LENGTH})
        if question.weight != question.weight.quantize(Decimal("0.0001")):
            problems.append(_("测评问题的权重最多四位小数。"))
    draft = Definition(
        targets=tuple(Target(code, code) for code in targets),
        groups=tuple(Group(str(i), g.name, g.weight) for i, g in enumerate(values.groups)),
        questions=core_questions(questions_json(values.questions)),
        valid_numerator=values.valid_numerator, valid_denominator=values.valid_denominator,
        min_group_size=values.min_group_size, abstain_allowed=values.abstain_allowed)
    problems.extend(validate_definition(draft))
    return problems, targets


def clean_input(values: SurveyInput) -> SurveyInput:
    """Names and texts as typed, cleaned of invisible characters (lengths are checked after)."""
    values.name = clean_label(values.name, NAME_LENGTH)
    for group in values.groups:
        group.name = clean_label(group.name, GROUP_NAME_LENGTH)
    for question in values.questions:
        question.text = clean_label(question.text, QUESTION_LENGTH)
    return values


@transaction.atomic
def save_survey(cycle: Cycle, user: Any, values: SurveyInput, survey: Survey | None = None) -> Survey:
    """Create a survey, or change one whose window has not opened. Nothing is saved on a problem."""
    values = clean_input(values)
    if survey is not None:
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.state() != "draft" or Ballot.objects.filter(group__survey=survey).exists():
            raise SurveyError(_("测评已经开始，不能再修改测评内容（可以调整结束时间）。"), status=409)
    problems, targets = _problems(cycle, values, survey)
    if problems:
        raise SurveyError(_("测评设置有误，未保存。"), problems)
    old = None if survey is None else survey_json(survey)
    survey = survey or Survey(cycle=cycle, created_by=user if getattr(user, "pk", None) else None)
    survey.name, survey.targets = values.name, targets
    survey.questions = questions_json(values.questions)
    survey.valid_numerator, survey.valid_denominator = values.valid_numerator, values.valid_denominator
    survey.min_group_size, survey.abstain_allowed = values.min_group_size, values.abstain_allowed
    survey.opens_at, survey.closes_at = values.opens_at, values.closes_at
    survey.save()
    existing = list(survey.groups.all())
    for index, group in enumerate(values.groups):
        row = existing[index] if index < len(existing) else RaterGroup(survey=survey)
        row.name, row.weight, row.planned, row.position = group.name, group.weight, group.planned, index
        row.save()
    for row in existing[len(values.groups):]:
        row.delete()  # its codes with it (nobody has voted: the window has not opened)
    record("survey.save", "survey", f"survey:{survey.pk}", cycle=cycle, old=old, new=survey_json(survey))
    return survey


@transaction.atomic
def set_window(survey: Survey, user: Any, opens_at: datetime | None = None, closes_at: datetime | None = None) -> Survey:
    """Close early (closes_at = now) or extend; until the results are published."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if PublishedSurvey.objects.filter(survey=survey).exists():
        raise SurveyError(_("测评结果已发布，不能再调整时间。"), status=409)
    old = {"opens_at": survey.opens_at, "closes_at": survey.closes_at}
    if opens_at is not None:
        if survey.state() != "draft":
            raise SurveyError(_("测评已经开始，不能再改开始时间。"), status=409)
        survey.opens_at = opens_at
    if closes_at is not None:
        survey.closes_at = closes_at
    if survey.closes_at <= survey.opens_at:
        raise SurveyError(_("结束时间必须晚于开始时间。"))
    survey.save(update_fields=["opens_at", "closes_at"])
    record("survey.window", "survey", f"survey:{survey.pk}", cycle=survey.cycle,
           old=old, new={"opens_at": survey.opens_at, "closes_at": survey.closes_at})
    return survey


def survey_json(survey: Survey) -> dict[str, Any]:
    return {"name": survey.name, "targets": survey.targets, "questions": survey.questions,
            "valid": f"{survey.valid_numerator}/{survey.valid_denominator}",
            "min_group_size": survey.min_group_size, "abstain_allowed": survey.abstain_allowed,
            "opens_at": survey.opens_at.isoformat(), "closes_at": survey.closes_at.isoformat(),
            "groups": [{"name": g.name, "weight": format(g.weight.normalize(), "f"), "planned": g.planned}
                       for g in survey.groups.all()]}


def now() -> datetime:
    return timezone.now()
