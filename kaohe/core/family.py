"""Which earlier cycle a cycle is compared with, year over year (the leaders' overview, issue 14).

A scheme family is the schemes that differ only in their year: the scheme's title with its years
taken out ("洛阳市县(市、区)党建工作综合考核指标体系(2018年度)" and "…(2019年度)" are one family). A
scheme cloned for another year keeps its family (the clone puts the new year into the title), and so
does next year's scheme imported afresh from the official document with the same title.

The previous cycle of a cycle is, among the cycles given (those the reader may see), the one with
published results whose scheme is of the same family and of an earlier year, the latest such year;
within that year the one created last. A cycle of the same year (a re-run, a quarterly cycle of
the same scheme) is never "the previous year".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)\s*(?:年度|年)?")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|【\s*】|〔\s*〕")
_SPACE = re.compile(r"\s+")


def family(title: str) -> str:
    """The scheme title without its years, brackets in one width and without spaces."""
    text = unicodedata.normalize("NFKC", title)  # （）→ ()
    text = _YEAR.sub("", text)
    text = _EMPTY_BRACKETS.sub("", text)
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class CycleKey:
    """What the choice needs of a cycle: its id, its scheme's title and year, when it was created,
    and whether it has published results."""

    pk: int
    title: str
    year: int
    created: datetime
    published: bool


def previous_cycle(cycle: CycleKey, others: Iterable[CycleKey]) -> CycleKey | None:
    """The cycle `cycle` is compared with year over year (see the module docstring), or None."""
    mine = family(cycle.title)
    candidates = [o for o in others if o.pk != cycle.pk and o.published and o.year < cycle.year
                  and family(o.title) == mine]
    return max(candidates, key=lambda o: (o.year, o.created, o.pk), default=None)
