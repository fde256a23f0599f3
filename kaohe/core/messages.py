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
from collections.abc import Callable, Iterable
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
        for value in params.values():
            if isinstance(value, tuple):  # a list of names, joined when rendered
                return cls(template, tuple(params.items()))
        # the common case, made cheaply: every other value, a Text too, formats as its own rendering
        text = str.__new__(cls, template % params)
        text.template, text._params = template, tuple(params.items())
        return text

    @property
    def params(self) -> tuple[tuple[str, Any], ...]:
        return self._params

    def render(self, translate: Callable[[str], str] = _as_is) -> str:
        return _fill(self.template, self.params, translate)


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


def _render(value: Any, translate: Callable[[str], str]) -> Any:
    if isinstance(value, Text):  # a Text is its own Chinese rendering: only another language renders it again
        return value if translate is _as_is else value.render(translate)
    if isinstance(value, tuple):
        return translate(LIST_SEPARATOR).join(str(_render(item, translate)) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # for a %(n)d
    return str(value)


# ----------------------------------------------------------------------------- stored messages
#
# A Text kept in a database row (a notification's subject and body, kaohe.notify) is stored as JSON:
# {"template": …, "params": {name: value}}, a value being a stored Text, a list (a tuple of names),
# an int or a str. `from_data` reads it back, or gives None for anything else (a row's old plain text
# is then shown as it is).


def joined(parts: Iterable[Any], separator: str = "\n") -> Text:
    """Texts (and plain strings: data) one after another, by default one per line, as one Text;
    empty parts are left out."""
    kept = [part for part in parts if part]
    template = separator.replace("%", "%%").join(f"%(part{i})s" for i in range(len(kept)))
    return Text(template, tuple((f"part{i}", part) for i, part in enumerate(kept)))


def as_data(message: Text) -> dict[str, Any]:
    """`message` as JSON data (see above)."""
    return {"template": message.template, "params": {name: _value_data(value) for name, value in message.params}}


def _value_data(value: Any) -> Any:
    if isinstance(value, Text):
        return as_data(value)
    if isinstance(value, tuple):
        return [_value_data(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


class BadData(ValueError):
    """Stored data that is not a message."""


def from_data(data: Any) -> Text | None:
    """The Text `as_data` stored, or None if `data` is not one (or its template does not fit its values)."""
    try:
        return _text_of(data, depth=0)  # a Text is made by filling its template: it must take its values
    except (BadData, KeyError, ValueError, TypeError):
        return None


_DEPTH = 8  # Texts within Texts, at most


def _text_of(data: Any, depth: int) -> Text:
    if depth > _DEPTH or not isinstance(data, dict) or not isinstance(data.get("template"), str) \
            or not isinstance(data.get("params", {}), dict):
        raise BadData(data)
    params = tuple((str(name), _value_of(value, depth + 1)) for name, value in data.get("params", {}).items())
    if not params and "%(" in data["template"]:  # a template without its values
        raise BadData(data)
    return Text(data["template"], params)


def _value_of(value: Any, depth: int) -> Any:
    if isinstance(value, dict):
        return _text_of(value, depth)
    if isinstance(value, list):
        if depth > _DEPTH:
            raise BadData(value)
        return tuple(_value_of(item, depth + 1) for item in value)
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise BadData(value)
