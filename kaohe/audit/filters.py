"""Filtering the audit trail (the list page and both exports use the same form), and showing
an event's old → new values as short readable lines ("points: 1.5 → 2")."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle

EMPTY_VALUE = "—"  # a value that is not there (None, or a key the other side lacks)
EMPTY_TEXT = gettext_lazy("（空）")  # an empty string, e.g. a reason that was cleared


def _distinct(field: str) -> list[tuple[str, str]]:
    values = Event.objects.order_by(field).values_list(field, flat=True).distinct()
    return [("", _("全部"))] + [(v, v) for v in values if v]


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
        cast(forms.ChoiceField, self.fields["action"]).choices = _distinct("action")
        cast(forms.ChoiceField, self.fields["object_type"]).choices = _distinct("object_type")

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


# --- old → new, readably -------------------------------------------------------------------------

def show_value(value: Any) -> str:
    if value is None:
        return EMPTY_VALUE
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        return value if value != "" else str(EMPTY_TEXT)
    if isinstance(value, list | tuple):
        return _("、").join(show_value(v) for v in value) if value else str(EMPTY_TEXT)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def change_lines(old: Any, new: Any) -> list[str]:
    """One line per changed value: "points: 1.5 → 2"; a value that only one side has is shown
    alone ("name: 偃师市" when created, "name: 偃师市 → —" when deleted)."""
    if old is None and new is None:
        return []
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old is None:
            return _listing(new)
        if new is None:
            return [f"{line} → {EMPTY_VALUE}" for line in _listing(old)]
        return [f"{show_value(old)} → {show_value(new)}"]
    lines = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            lines.append(f"{key}: {show_value(old[key])} → {EMPTY_VALUE}")
        elif key not in old:
            lines.append(f"{key}: {show_value(new[key])}")
        elif old[key] != new[key]:
            lines.append(f"{key}: {show_value(old[key])} → {show_value(new[key])}")
    return lines


def _listing(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {show_value(v)}" for key, v in value.items()]
    return [show_value(value)]
