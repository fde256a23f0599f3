"""Filtering the audit trail (the list page and both exports use the same form). The trail is
shown in words by kaohe.audit.words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kaohe.audit import vocabulary
from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle


def _distinct(field: str, label: Callable[[str], Any]) -> list[tuple[str, str]]:
    """The values the trail holds, by their label."""
    values = Event.objects.order_by(field).values_list(field, flat=True).distinct()
    return [("", _("全部"))] + sorted(((v, str(label(v))) for v in values if v), key=lambda choice: choice[1])


class EventFilterForm(forms.Form):
    """The GET filters. Every field is optional; an invalid value is a form error, never a 500."""

    cycle = forms.ModelChoiceField(label=pgettext_lazy("singular", "考核周期"),
                                   queryset=Cycle.objects.order_by("-created_at"),
                                   required=False, empty_label=gettext_lazy("全部"))
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("对象类型"), required=False)
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150,  # the whole user name
                            widget=forms.TextInput(attrs={"placeholder": gettext_lazy("用户名")}))
    object_key = forms.CharField(label=gettext_lazy("对象包含"), required=False, max_length=200)
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices are what the trail holds, so a new kind of event is filterable at once.
        cast(forms.ChoiceField, self.fields["action"]).choices = _distinct("action", vocabulary.action_label)
        cast(forms.ChoiceField, self.fields["object_type"]).choices = _distinct("object_type", vocabulary.type_label)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def filter(self, events: QuerySet[Event]) -> QuerySet[Event]:
        """`events` narrowed by the valid filters; call after `is_valid()`."""
        data = self.cleaned_data
        if data.get("cycle"):
            events = events.filter(cycle=data["cycle"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"])
        if data.get("actor", "").strip():
            events = events.filter(actor_name__iexact=data["actor"].strip())
        if data.get("object_key", "").strip():
            events = events.filter(object_key__icontains=data["object_key"].strip())
        # Whole days in the site's time zone (Asia/Shanghai), as bounds on the indexed column.
        if data.get("date_from"):
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
        return events


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def filtered_events(params: Any) -> tuple[EventFilterForm, QuerySet[Event] | None]:
    """The filter form bound to `params` and, if it is valid, the events it selects, newest first."""
    form = EventFilterForm(params or None)
    if params and not form.is_valid():
        return form, None
    events = Event.objects.select_related("cycle").order_by("-id")
    return form, (form.filter(events) if form.is_bound else events)
