"""The office's form for a new cycle. The rules stay in `kaohe.cycles.lifecycle.create_cycle`;
the form checks what a person types (dates, a step, a unique name) and shows the service's
`CycleError` (e.g. units outside the scheme's audience, a review deadline before the scoring
deadline) as an error of the field it names."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kaohe.core.points import PointsError, parse_typed
from kaohe.core.text import CYCLE_NAME, TextError, clean
from kaohe.cycles.lifecycle import CycleError, create_cycle, default_unit_codes
from kaohe.cycles.models import Cycle
from kaohe.cycles.scoring import typed_message
from kaohe.orgs.models import Unit
from kaohe.schemes.forms import DataSelect
from kaohe.schemes.models import SchemeRecord


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return _("%(name)s（%(category)s）") % {"name": obj.name, "category": obj.category}


class SchemeChoiceField(forms.ModelChoiceField):
    widget = DataSelect

    def label_from_instance(self, obj: SchemeRecord) -> str:
        return f"{obj.title} · {obj.name}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> expects, in every language


class PointsField(forms.DecimalField):
    """A decimal field read by the one rule for typed points (`kaohe.core.points.parse_typed`:
    full-width digits, "。" as the decimal point), in a text box: a number box would refuse what a
    Chinese input method types before the server sees it. Range and places as DecimalField's."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 8})

    def to_python(self, value: object) -> Decimal | None:  # type: ignore[override]  # the stubs give DecimalField IntegerField's
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_typed(str(value))
        except PointsError as error:
            raise ValidationError(typed_message(str(value), error), code="invalid") from None


class CycleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=CYCLE_NAME.limit)
    scheme = SchemeChoiceField(label=pgettext_lazy("singular", "指标体系"),
                               queryset=SchemeRecord.objects.published().defer("document"), empty_label=None,
                               error_messages={"invalid_choice": gettext_lazy("请选择一个已发布的指标体系。")})
    units = UnitChoiceField(label=gettext_lazy("被考核单位"), queryset=Unit.objects.filter(active=True),
                            to_field_name="code",
                            widget=forms.CheckboxSelectMultiple,
                            error_messages={"required": gettext_lazy("请至少选择一个被考核单位。")})
    step = forms.DecimalField(label=gettext_lazy("评分步长"), initial=Decimal("0.1"), max_digits=3,
                              decimal_places=2, max_value=Decimal(1), widget=forms.NumberInput(attrs={"min": "0.01"}),
                              help_text=gettext_lazy("大于0、不超过1，最多2位小数，例如 0.1 或 0.5。"))
    scoring_deadline = forms.DateField(label=gettext_lazy("评分截止日期"), widget=DateInput)
    review_deadline = forms.DateField(label=gettext_lazy("审核截止日期"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "units" not in self.initial:
            scheme = self.initial.get("scheme") or self.fields["scheme"].queryset.first()
            if scheme is not None:
                self.initial["scheme"] = scheme
                self.initial["units"] = default_unit_codes(scheme)

    def clean_name(self) -> str:
        try:
            name = clean(self.cleaned_data["name"], CYCLE_NAME)
        except TextError as error:
            raise forms.ValidationError(error.message(_)) from None
        if Cycle.objects.filter(name=name).exists():
            raise forms.ValidationError(_("已有名为“%(name)s”的考核周期。") % {"name": name})
        return name

    def clean_step(self) -> Decimal:
        step = self.cleaned_data["step"]
        if step <= 0:
            raise forms.ValidationError(_("评分步长必须大于0。"))
        return step

    def save(self, created_by=None) -> Cycle | None:
        """Create the draft; on a `CycleError` the message becomes a form error and None is returned."""
        data = self.cleaned_data
        try:
            return create_cycle(name=data["name"], scheme=data["scheme"],
                                unit_codes=[u.code for u in data["units"]], step=data["step"],
                                scoring_deadline=data["scoring_deadline"], review_deadline=data["review_deadline"],
                                created_by=created_by)
        except CycleError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
            return None
