"""Template filters for text in the reader's language, available in every template (a builtin
library, see TEMPLATES in settings): `{{ departments|names }}` joins names with the language's
separator (“、” in Chinese, “, ” in English); `{{ code|finding_label }}` is the label of a finding code;
`{{ message|words }}` is a message of the core in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.translation import gettext, pgettext

from kaohe.core.messages import translated
from kaohe.formats import labels

register = template.Library()


@register.filter
def names(values: Iterable[object]) -> str:
    return pgettext("between names", "、").join(str(value) for value in values)


@register.filter
def finding_label(code: str) -> str:
    """The label of a checker's or reader's finding code (kaohe.formats.labels), translated."""
    label = labels.label(code)
    return gettext(label) if label else ""


@register.filter
def words(message: object) -> str:
    """A message of the core (kaohe.core.messages.Text) in the reader's language; any other text as it is."""
    return translated(message, gettext)
