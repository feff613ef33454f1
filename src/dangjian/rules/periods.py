"""Calendar periods a frequency rule is judged over: months, quarters, the year."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # "month" | "quarter" | "year"
    year: int
    index: int  # month 1–12, quarter 1–4, or 1 for the year
    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.index}月"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        return f"{self.year}年"

    @property
    def short_label(self) -> str:
        return {"month": f"{self.index}月", "quarter": f"Q{self.index}", "year": "全年"}[self.kind]

    @property
    def last_month(self) -> int:
        """The month the period is judged in (its last month): the heatmap's column."""
        return self.end.month

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=256)
def periods(kind: str, year: int) -> tuple[Period, ...]:
    if kind == "month":
        return tuple(
            Period(kind, year, m, dt.date(year, m, 1), month_end(year, m)) for m in range(1, 13)
        )
    if kind == "quarter":
        return tuple(
            Period(kind, year, q, dt.date(year, 3 * q - 2, 1), month_end(year, 3 * q))
            for q in range(1, 5)
        )
    if kind == "year":
        return (Period(kind, year, 1, dt.date(year, 1, 1), dt.date(year, 12, 31)),)
    raise ValueError(kind)


def bucket_of(kind: str, day: dt.date) -> int:
    """The index of the period of `kind` containing `day` (what the SQL GROUP BY computes)."""
    if kind == "month":
        return day.month
    if kind == "quarter":
        return (day.month - 1) // 3 + 1
    return 1
