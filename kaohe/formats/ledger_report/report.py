"""The quarterly standings as the 季度通报 shows them: `LedgerReport` (what kaohe.ledger gathers),
read by the workbook and the Word document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from kaohe.core.ledger import Standings, shown

NO_GROUP = "（未分组）"


@dataclass(frozen=True)
class ReportEntry:
    """A counted entry of the quarter, as the annex lists it."""

    unit: str
    department: str
    date: date
    kind: str  # in words: 扣分, 加分
    points: str  # "0.5"
    item: str  # "1.2.1.1 title", or "" for a bonus
    reason: str
    document: str


@dataclass(frozen=True)
class LedgerReport:
    cycle: str  # the cycle's name
    year: int
    quarter: int
    quarter_standings: Standings  # the quarter alone
    year_standings: Standings  # Q1 up to the quarter
    dimensions: Sequence[tuple[str, str]]  # (code, title) of the scheme's dimensions, in order
    bonus_cap: str  # "5"
    issued: date
    entries: Sequence[ReportEntry] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return title_of(self.year, self.quarter)

    @property
    def period(self) -> str:
        return period_of(self.year, self.quarter)

    @property
    def year_period(self) -> str:
        return year_period_of(self.year, self.quarter)


QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


def title_of(year: int, quarter: int) -> str:
    """"2018年第一季度平时考核情况"."""
    return f"{period_of(year, quarter)}平时考核情况"


def period_of(year: int, quarter: int) -> str:
    return f"{year}年第{QUARTER_NAMES[quarter]}季度"


def year_period_of(year: int, quarter: int) -> str:
    return f"{year}年1月至{3 * quarter}月"


def points(cents: int) -> str:
    """Hundredths as the reports show them: '1.5', '0', '-2'."""
    return shown(cents)
