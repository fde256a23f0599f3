"""Messages of the pure core: Chinese, and translatable where a page shows them (the rule for text
people type is kaohe.core.text).

The core speaks Chinese: a `Text` is a `str` (the command line, the API, the reports and stored
snapshots use it as one). It also keeps its template and values, so a page can show it in its
reader's language: `translated(text, gettext)`. Every template is marked with `gettext_noop` (this
module's own, which does nothing: the core imports no Django), so `make messages` puts it in the
site's English catalogue.

    Text.of(gettext_noop("下级分值合计%(actual)s分，与标注的%(declared)s分不符（%(units)s）。"),
            actual="8", declared="10", units=Text.of(gettext_noop("所有适用单位")))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks `message` for the catalogue; the message itself is returned unchanged."""
    return message


LIST_SEPARATOR = gettext_noop("、")  # between names in a list


def _as_is(message: str) -> str:
    return message


class Text(str):
    """A marked template and its values, as the Chinese text they make. The values are other Texts
    (translated too), tuples of names (data, joined with the list separator) or anything else
    (shown as it is)."""

    template: str
    _params: tuple[tuple[str, Any], ...]

    def __new__(cls, template: str, params: tuple[tuple[str, Any], ...] = ()) -> Text:
        text = super().__new__(cls, _fill(template, params, _as_is))
        text.template, text._params = template, params
        return text

    @classmethod
    def of(cls, template: str, **params: Any) -> Text:
        if all(type(value) in _PLAIN for value in params.values()):  # the common case, made cheaply
            text = str.__new__(cls, template % params)
            text.template, text._params = template, tuple(params.items())
            return text
        return cls(template, tuple(params.items()))

    @property
    def params(self) -> tuple[tuple[str, Any], ...]:
        return self._params

    def render(self, translate: Callable[[str], str] = _as_is) -> str:
        return _fill(self.template, self.params, translate)


_PLAIN = frozenset({str, int})


class _Made(Text):
    """A Text of a `Template`: nothing kept beside the string; its values are read back from it."""

    _pattern: re.Pattern[str]

    @property
    def params(self) -> tuple[tuple[str, Any], ...]:
        match = self._pattern.fullmatch(self)
        return tuple(match.groupdict().items()) if match else ()


class Template:
    """A message made often (a note on every unit of a large cycle): `template(**values)` is a Text
    as small as a plain string, whose values are read back from it when a page translates it. The
    values must be plain (numbers, names): the template's text around them tells where they end."""

    def __init__(self, template: str) -> None:
        pieces = re.split(r"%\((\w+)\)s", template)
        pattern = "".join(re.escape(piece.replace("%%", "%")) if i % 2 == 0 else f"(?P<{piece}>.*?)"
                          for i, piece in enumerate(pieces))
        self.template = template
        self.kind = type("TemplateText", (_Made,), {"template": template, "_pattern": re.compile(pattern, re.S)})

    def __call__(self, **values: Any) -> Text:
        return str.__new__(self.kind, self.template % values)


def translated(message: Any, translate: Callable[[str], str]) -> str:
    """`message` in a reader's language: a Text rendered with `translate` (gettext), anything else as it is."""
    return message.render(translate) if isinstance(message, Text) else str(message)


def _fill(template: str, params: tuple[tuple[str, Any], ...], translate: Callable[[str], str]) -> str:
    text = translate(template)
    if not params:
        return text
    return text % {name: _render(value, translate) for name, value in params}


def _render(value: Any, translate: Callable[[str], str]) -> str:
    if isinstance(value, Text):
        return value.render(translate)
    if isinstance(value, tuple):
        return translate(LIST_SEPARATOR).join(_render(item, translate) for item in value)
    return str(value)
