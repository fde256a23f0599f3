"""The office's forms for a survey. They check what a person types (numbers, dates, the "2/3"
rule, option lists); the survey's rules (weights sum to 1, targets of the cycle, …) are checked by
`kaohe.survey.definition.save_survey`, whose problems the view shows as form errors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.core.survey import DEFAULT_OPTIONS, MAX_CODES_PER_GROUP, BallotError, options_text, parse_options
from kaohe.core.text import SURVEY_GROUP_NAME, SURVEY_NAME, SURVEY_QUESTION
from kaohe.cycles.models import CycleUnit
from kaohe.survey.definition import GroupInput, QuestionInput, SurveyInput, core_questions
from kaohe.survey.models import Survey

GROUP_ROWS = 6
QUESTION_ROWS = 3
RULE = re.compile(r"^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")  # what <input type="datetime-local"> expects


def parse_rule(text: str) -> tuple[int, int] | None:
    """"2/3" → (2, 3); full-width input folded; None when it is not a fraction."""
    match = RULE.match(unicodedata.normalize("NFKC", text or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


class SurveyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("测评名称"), max_length=SURVEY_NAME.limit)
    opens_at = forms.DateTimeField(label=gettext_lazy("开始时间"), widget=DateTimeInput,
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=gettext_lazy("结束时间"), widget=DateTimeInput,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    targets = forms.MultipleChoiceField(label=gettext_lazy("被测评对象"), widget=forms.CheckboxSelectMultiple,
                                        required=False, help_text=gettext_lazy("不选即为本考核周期的全部单位。"))
    valid_rule = forms.CharField(label=gettext_lazy("有效票规则：至少评价的比例"), max_length=9, initial="2/3",
                                 help_text=gettext_lazy("如 2/3：评价（未弃权）的对象不少于三分之二才算有效票；0/1 为不限。"))
    min_group_size = forms.IntegerField(label=gettext_lazy("分组显示的最少人数"), min_value=1, max_value=1000,
                                        initial=5)
    abstain_allowed = forms.BooleanField(label=gettext_lazy("允许弃权"), required=False, initial=True)

    def __init__(self, *args: Any, units: Sequence[CycleUnit] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        targets = self.fields["targets"]
        assert isinstance(targets, forms.MultipleChoiceField)
        targets.choices = [(u.code, u.name) for u in units]
        for i in range(GROUP_ROWS):
            self.fields[f"group_name_{i}"] = forms.CharField(required=False, max_length=SURVEY_GROUP_NAME.limit)
            self.fields[f"group_weight_{i}"] = forms.DecimalField(required=False, min_value=Decimal(0),
                                                                  max_digits=6, decimal_places=4)
            self.fields[f"group_codes_{i}"] = forms.IntegerField(required=False, min_value=1,
                                                                 max_value=MAX_CODES_PER_GROUP)
        for i in range(QUESTION_ROWS):
            self.fields[f"question_text_{i}"] = forms.CharField(required=False, max_length=SURVEY_QUESTION.limit)
            self.fields[f"question_weight_{i}"] = forms.DecimalField(required=False, min_value=Decimal(0),
                                                                     max_digits=6, decimal_places=4)
            self.fields[f"question_options_{i}"] = forms.CharField(required=False, max_length=300)

    def group_rows(self) -> list[tuple]:
        return [(self[f"group_name_{i}"], self[f"group_weight_{i}"], self[f"group_codes_{i}"])
                for i in range(GROUP_ROWS)]

    def question_rows(self) -> list[tuple]:
        return [(self[f"question_text_{i}"], self[f"question_weight_{i}"], self[f"question_options_{i}"])
                for i in range(QUESTION_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule = parse_rule(data.get("valid_rule", ""))
        if rule is None:
            self.add_error("valid_rule", _("请写成分数，如 2/3。"))
        self.rule = rule
        self.groups: list[GroupInput] = []
        for i in range(GROUP_ROWS):
            name, weight, codes = (data.get(f"group_name_{i}", "").strip(), data.get(f"group_weight_{i}"),
                                   data.get(f"group_codes_{i}"))
            if not name and weight is None and codes is None:
                continue
            if not name:
                self.add_error(f"group_name_{i}", _("请填写测评群体名称。"))
            if weight is None:
                self.add_error(f"group_weight_{i}", _("请填写权重。"))
            if codes is None:
                self.add_error(f"group_codes_{i}", _("请填写测评码数。"))
            if name and weight is not None and codes is not None:
                self.groups.append(GroupInput(name, weight, codes))
        self.questions: list[QuestionInput] = []
        for i in range(QUESTION_ROWS):
            text, weight, options = (data.get(f"question_text_{i}", "").strip(), data.get(f"question_weight_{i}"),
                                     data.get(f"question_options_{i}", "").strip())
            if not text and weight is None and not options:
                continue
            if not text:
                self.add_error(f"question_text_{i}", _("请填写问题。"))
            if weight is None:
                self.add_error(f"question_weight_{i}", _("请填写权重。"))
            try:
                parsed = parse_options(options)
            except BallotError as error:
                self.add_error(f"question_options_{i}", error.problems[0])
                continue
            if text and weight is not None:
                self.questions.append(QuestionInput(text, weight, parsed))
        return data

    def values(self) -> SurveyInput:
        data = self.cleaned_data
        numerator, denominator = self.rule or (2, 3)
        return SurveyInput(
            name=data["name"], opens_at=data["opens_at"], closes_at=data["closes_at"], groups=self.groups,
            questions=self.questions, targets=list(data.get("targets") or []), valid_numerator=numerator,
            valid_denominator=denominator, min_group_size=data["min_group_size"],
            abstain_allowed=bool(data.get("abstain_allowed")))


def initial_for(survey: Survey | None) -> dict[str, Any]:
    """The form's initial values: a saved survey's, or a new one's defaults."""
    if survey is None:
        return {"question_text_0": "总体评价", "question_weight_0": "1",
                "question_options_0": options_text(DEFAULT_OPTIONS), "valid_rule": "2/3", "min_group_size": 5,
                "abstain_allowed": True}
    initial: dict[str, Any] = {
        "name": survey.name, "opens_at": timezone.localtime(survey.opens_at),
        "closes_at": timezone.localtime(survey.closes_at), "targets": survey.targets,
        "valid_rule": f"{survey.valid_numerator}/{survey.valid_denominator}",
        "min_group_size": survey.min_group_size, "abstain_allowed": survey.abstain_allowed}
    for i, group in enumerate(list(survey.groups.all())[:GROUP_ROWS]):
        initial[f"group_name_{i}"], initial[f"group_weight_{i}"] = group.name, group.weight.normalize()
        initial[f"group_codes_{i}"] = group.planned
    for i, question in enumerate(core_questions(survey.questions)[:QUESTION_ROWS]):
        initial[f"question_text_{i}"], initial[f"question_weight_{i}"] = question.text, question.weight.normalize()
        initial[f"question_options_{i}"] = options_text(question.options)
    return initial


class CodesForm(forms.Form):
    """Add codes to a group, or void unused ones (by serial numbers, by code, or all unused)."""

    count = forms.IntegerField(label=gettext_lazy("增加测评码数"), min_value=1, max_value=MAX_CODES_PER_GROUP,
                               required=False)
    serials = forms.CharField(label=gettext_lazy("作废序号"), required=False, max_length=2000,
                              help_text=gettext_lazy("纸条上的序号，如 3, 17, 20-25。"))

    def serial_numbers(self) -> list[int]:
        text = unicodedata.normalize("NFKC", self.cleaned_data.get("serials") or "")
        numbers: list[int] = []
        for part in re.split(r"[\s,;、]+", text.strip()):
            if not part:
                continue
            start, dash, end = part.partition("-")
            if not start.isdigit() or (dash and not end.isdigit()):
                raise forms.ValidationError(_("序号应为数字或范围，如 3, 17, 20-25：%(part)s") % {"part": part[:20]})
            low, high = int(start), int(end) if dash else int(start)
            if high < low or high - low >= MAX_CODES_PER_GROUP or len(numbers) > MAX_CODES_PER_GROUP:
                raise forms.ValidationError(_("序号范围有误：%(part)s") % {"part": part[:20]})
            numbers.extend(range(low, high + 1))
        return numbers
