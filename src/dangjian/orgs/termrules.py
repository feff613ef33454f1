"""Term lengths and renewal status, read from `library/term_lengths.yaml`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured

LIBRARY = Path(__file__).parent / "library" / "term_lengths.yaml"


@dataclass(frozen=True)
class TermRule:
    kind: str
    years: int
    citation: dict


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, TermRule], tuple[int, ...]]:
    try:
        data = yaml.safe_load(LIBRARY.read_text(encoding="utf-8"))
        rules = {
            item["kind"]: TermRule(item["kind"], int(item["years"]), dict(item["citation"]))
            for item in data["terms"]
        }
        warnings = tuple(sorted((int(m) for m in data["renewal_warnings_months"]), reverse=True))
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise ImproperlyConfigured(f"{LIBRARY}: 届期规则文件无效：{exc}") from exc
    return rules, warnings


def term_rule(kind: str) -> TermRule | None:
    return _load()[0].get(kind)


def warning_months() -> tuple[int, ...]:
    return _load()[1]


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    import calendar

    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


class TermStatus:
    NORMAL = "normal"
    DUE_6 = "due_6m"
    DUE_3 = "due_3m"
    OVERDUE = "overdue"
    NO_DATA = "no_data"

    LABELS = {
        NORMAL: "正常",
        DUE_6: "6个月内到期",
        DUE_3: "3个月内到期",
        OVERDUE: "已超期",
        NO_DATA: "无届次信息",
    }
    BADGES = {NORMAL: "green", DUE_6: "yellow", DUE_3: "orange", OVERDUE: "red", NO_DATA: "secondary"}


def status_for(due_on: dt.date | None, today: dt.date) -> str:
    """Renewal status of a current term whose (possibly extended) end is `due_on`."""
    if due_on is None:
        return TermStatus.NO_DATA
    if due_on < today:
        return TermStatus.OVERDUE
    far, near = (warning_months() + (6, 3))[:2]
    if due_on <= add_months(today, near):
        return TermStatus.DUE_3
    if due_on <= add_months(today, far):
        return TermStatus.DUE_6
    return TermStatus.NORMAL
