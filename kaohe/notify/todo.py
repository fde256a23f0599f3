"""The to-do list on each user's home page, gathered from the apps that know what waits.

Each app registers its sources in its `AppConfig.ready()` (`register(source)`): a source takes the
user and returns the `Todo`s that wait for them, nothing for roles it is not about, at a fixed
number of queries (the home page's query count is asserted). `todo_for(user)` asks every source,
in the order they were registered (INSTALLED_APPS order), and puts urgent entries (deadlines near)
first. This module knows nothing of what the entries are about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kaohe.accounts.models import User


@dataclass(frozen=True)
class Todo:
    text: str
    url: str
    urgent: bool = False  # a deadline near: shown first and highlighted


Source = Callable[[User], Iterable[Todo]]

_sources: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add a source of to-do entries (once: registering it again changes nothing)."""
    _sources.setdefault(f"{source.__module__}.{source.__qualname__}", source)
    return source


def todo_for(user: User) -> list[Todo]:
    """Everything that waits for `user`, urgent entries first (otherwise in the sources' order)."""
    entries = [entry for source in _sources.values() for entry in source(user)]
    return sorted(entries, key=lambda entry: not entry.urgent)
