"""The office's settings for the units' side of a cycle: deadlines, evidence limits and the criteria
where evidence is expected."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy

from kaohe.audit.record import record
from kaohe.cycles.forms import DateInput
from kaohe.cycles.models import Cycle
from kaohe.schemes.models import Node

FIELDS = ["self_assessment_deadline", "objection_deadline", "evidence_max_mb", "evidence_max_files",
          "evidence_expected"]


def criterion_choices(cycle: Cycle) -> list[tuple[str, str]]:
    """The scheme's criteria, and the items hung directly under an indicator, in scheme order."""
    nodes = Node.objects.filter(scheme_id=cycle.scheme_id).filter(level="criterion") | Node.objects.filter(
        scheme_id=cycle.scheme_id, level="item", criterion_code="")
    return [(code, f"{code} {title[:60]}") for code, title in nodes.order_by("position").values_list("code", "title")]


class UnitSideForm(forms.ModelForm):
    evidence_max_mb = forms.IntegerField(label=gettext_lazy("单个佐证材料上限（MB）"), min_value=1, max_value=200)
    evidence_max_files = forms.IntegerField(label=gettext_lazy("每个单位佐证材料数量上限"), min_value=1,
                                            max_value=2000)
    evidence_expected = forms.MultipleChoiceField(label=gettext_lazy("需提供佐证材料的指标"), required=False,
                                                  widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Cycle
        fields = FIELDS
        widgets = {"self_assessment_deadline": DateInput, "objection_deadline": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_expected"].choices = criterion_choices(self.instance)

    @transaction.atomic
    def save(self, user=None) -> Cycle:
        old = {name: _plain(self.initial.get(name)) for name in FIELDS}
        cycle = super().save()
        new = {name: _plain(getattr(cycle, name)) for name in FIELDS}
        if old != new:
            record("cycle.unit_side", "cycle", f"cycle:{cycle.pk}", cycle=cycle,
                   old={k: v for k, v in old.items() if v != new[k]}, new={k: v for k, v in new.items() if v != old[k]})
        return cycle


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return list(value) if isinstance(value, list | tuple) else value
