"""Every JSON body the API reads, read one way (`read_json`): the hand-read bodies of the score,
claim and objection operations and, through `JsonParser`, the ones ninja reads into a schema.

- at most `MAX_DEPTH` levels of arrays and objects, counted before parsing (Python's parser
  recurses, so 100,000 "[" would raise RecursionError);
- UTF-8, numbers as Decimal (never float: 0.3 stays 0.3);
- no NUL and no lone surrogate in any string or key (PostgreSQL cannot store them and UTF-8 cannot
  encode them); other invisible characters are the free-text rule's to remove (`kaohe.core.text`).

The size is bounded before this by `kaohe.web.request_limits` (a form's limit for every JSON body).
A refusal is a `BodyError`: an `ApiError` with status 422 and code "invalid", like every other
body the API cannot take.
"""

import json
import re
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from kaohe.api.errors import ApiError

MAX_DEPTH = 32  # the deepest body the API takes is 2 levels ({"criteria": [...]})
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


class BodyError(ApiError):
    pass


def _depth(text: str) -> int:
    """How deep arrays and objects nest (strings skipped); stops counting past MAX_DEPTH."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
        elif token in "]}":
            depth -= 1
    return deepest


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _NOT_TEXT.search(item):
                raise BodyError(422, _("请求内容含有无效字符（NUL 或不成对的代理项，不是有效的 Unicode 文字）。"))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def read_json(raw: bytes) -> Any:
    """The JSON value of a request body (None when it is empty)."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(422, _("请求内容不是 UTF-8 编码的 JSON。")) from None
    if _depth(text) > MAX_DEPTH:
        raise BodyError(422, _("请求内容嵌套过深（最多 %(depth)d 层）。") % {"depth": MAX_DEPTH})
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except (ValueError, RecursionError):
        raise BodyError(422, _("请求内容不是有效的 JSON。")) from None
    _check_strings(data)
    return data


def json_object(request: HttpRequest, fields: str) -> dict[str, Any]:
    """The body as a JSON object (an empty body is {}); `fields` names what it should hold."""
    data = read_json(request.body)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BodyError(422, _("请求内容必须是 JSON 对象：%(fields)s。") % {"fields": fields})
    return data


class JsonParser(Parser):
    """ninja's parser for the operations that declare a body schema: the same reading."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = read_json(request.body)
        return {} if data is None else data
