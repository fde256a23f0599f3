"""Who is acting and from where, for the audit trail, without passing the request everywhere.

The middleware sets it per request; commands and tests set it with `acting_as(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any = None
    address: str | None = None
    name: str = ""


_current: ContextVar[Actor] = ContextVar("kaohe_actor", default=Actor(name="系统"))  # noqa: B039 (frozen)


def current() -> Actor:
    return _current.get()


def bind_user(user: Any) -> None:
    """Name the user who authenticated after the middleware ran (an API token). Only inside a
    request: the middleware's reset at the end of the request restores the previous actor."""
    _current.set(Actor(user=user, address=current().address, name=user.get_username()))


@contextmanager
def acting_as(user: Any = None, address: str | None = None, name: str = "") -> Iterator[Actor]:
    actor = Actor(user=user, address=address, name=name or (user.get_username() if user is not None else "系统"))
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
