"""`Refused`: the one error type of the apps' services. Every rule that says no to a user (a score,
a review step, a claim, an objection, a cycle, a scheme, the results) raises it or a subclass named
for its app, with `kind` (how it is refused: the HTTP status pages and the API answer with),
`message` (why, for the user, translated), `field` (the input it is about, if any), `current` (the
stored object a conflict is with), `problems` (every reason, when there are several) and `items` (the
reason of each refused row or item, by its code, when a refusal covers several: a page shows each
beside its row). Pages show the message; the API turns it into `{code, message, field?, current?,
items?}` (kaohe.api.errors). It lives in accounts, the lowest app that every service imports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Refused(Exception):
    INVALID, FORBIDDEN, NOT_FOUND, CONFLICT, CLOSED, TOO_LARGE, STORAGE = (
        "invalid", "forbidden", "not_found", "conflict", "closed", "too_large", "storage")
    HTTP_STATUS = {INVALID: 422, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, CLOSED: 409, TOO_LARGE: 413,
                   STORAGE: 503}  # storage: the evidence folder could not take a file, the server's problem

    def __init__(self, kind: str, message: str, field: str = "", current: Any = None,
                 problems: Iterable[str] = (), items: dict[str, str] | None = None):
        self.kind, self.message, self.field, self.current = kind, str(message), field, current
        self.problems = list(problems) or [self.message]
        self.items = dict(items or {})  # the refusals of single rows or items (claims, an objection's) by code
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return self.HTTP_STATUS[self.kind]
