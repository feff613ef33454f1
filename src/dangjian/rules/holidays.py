"""Statutory holiday periods for the 节前提醒 / 节后检查 reminders.

Sources, per year, first that applies:
1. `HolidaySchedule` rows an admin entered from the State Council's notice (authoritative);
2. chinese-calendar, which copies the announced schedules (2004–2026 in the installed
   release) including 调休 workdays;
3. the `holidays` package's rule-based China calendar, for years chinese-calendar does
   not know yet (it raises NotImplementedError for them) — an approximation: it knows
   the festivals but not every 调休 swap, so weekends are taken as days off.
A year none of them can answer yields no periods and a logged warning: a reminder run
never fails on a holiday lookup.

A period is a run of consecutive days off that contains at least one statutory holiday
(adjacent weekends included: the 2024 端午 period is Sat 8 – Mon 10 June). The 节前提醒 goes
out N days before its first day (`DANGJIAN_HOLIDAY_REMINDER_DAYS`, default 7); the 节后检查
on the first workday after it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import holidays as holidays_lib
from django.conf import settings

from . import loader
from .models_notifications import HolidaySchedule

logger = logging.getLogger(__name__)

DEFAULT_REMINDER_DAYS = 7
AFTER_WINDOW_DAYS = 3  # a missed daily run still sends the 节后检查 within this many days

SOURCE_SCHEDULE = "schedule"
SOURCE_CHINESE_CALENDAR = "chinese_calendar"
SOURCE_HOLIDAYS = "holidays"
SOURCE_LABELS = {
    SOURCE_SCHEDULE: "管理员录入的放假安排",
    # Read by people on the holidays page: what the dates rest on, not the package names.
    SOURCE_CHINESE_CALENDAR: "内置日历（国务院公布的放假安排）",
    SOURCE_HOLIDAYS: "按节日规则推算（未公布年份的近似）",
}

BEFORE = "before"
AFTER = "after"

RULE_ID = "holiday.festival_reminder"
CITATION = "地方工作惯例（节前提醒、节后检查）（未核实）"


def citation() -> str:
    try:
        return loader.get_rule(RULE_ID).citation.text()
    except LookupError:
        return CITATION


# chinese-calendar names its holidays in English.
_CC_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
# The `holidays` package (zh_CN) also lists 除夕 and 补假 / 调休 rest days under other names.
_FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    first_workday: dt.date
    source: str

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def reminder_days() -> int:
    """N: the setting DANGJIAN_HOLIDAY_REMINDER_DAYS, else the rule's `days_before`, else 7."""
    configured = getattr(settings, "DANGJIAN_HOLIDAY_REMINDER_DAYS", None)
    if configured is None:
        configured = os.environ.get("DANGJIAN_HOLIDAY_REMINDER_DAYS") or None
    if configured is not None:
        return int(configured)
    try:
        return int(loader.get_rule(RULE_ID).params.get("days_before", DEFAULT_REMINDER_DAYS))
    except LookupError:
        return DEFAULT_REMINDER_DAYS


def _weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def _cc_supports(year: int) -> bool:
    try:
        chinese_calendar.is_holiday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _cc_day_off(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_holiday(day)
    except NotImplementedError:  # a period running into a year the library does not know
        return _weekend(day)


def _festival_names(raw: str) -> list[str]:
    names = [n for n in _FESTIVALS if n in raw]
    if "除夕" in raw and "春节" not in names:
        names.append("春节")
    return names


def _library_dates(year: int) -> tuple[str, dict[dt.date, list[str]], Callable[[dt.date], bool]]:
    """(source, {date: festival names}, is-day-off) from chinese-calendar or `holidays`."""
    if _cc_supports(year):
        dates = {
            d: [_CC_NAMES.get(str(name), str(name))]
            for d, name in chinese_calendar.holidays.items()
            if d.year == year
        }
        return SOURCE_CHINESE_CALENDAR, dates, _cc_day_off
    table = holidays_lib.China(years=year, language="zh_CN")
    dates = {d: _festival_names(str(name)) for d, name in table.items()}

    def day_off(day: dt.date) -> bool:
        return _weekend(day) or day in dates

    return SOURCE_HOLIDAYS, dates, day_off


def _group(
    dates: dict[dt.date, list[str]], day_off: Callable[[dt.date], bool], source: str
) -> list[HolidayPeriod]:
    periods: list[HolidayPeriod] = []
    pending = sorted(dates)
    while pending:
        start = end = pending.pop(0)
        names: list[str] = list(dates[start])
        # Swallow the next statutory dates joined to this one by days off (weekends).
        while pending and all(
            day_off(end + dt.timedelta(days=i)) for i in range(1, (pending[0] - end).days)
        ):
            end = pending.pop(0)
            names.extend(dates[end])
        while day_off(start - dt.timedelta(days=1)):
            start -= dt.timedelta(days=1)
        while day_off(end + dt.timedelta(days=1)):
            end += dt.timedelta(days=1)
        workday = end + dt.timedelta(days=1)
        while day_off(workday):
            workday += dt.timedelta(days=1)
        unique = list(dict.fromkeys(n for n in names if n))
        if not unique:  # only substituted rest days: not a holiday of its own
            continue
        periods.append(HolidayPeriod("、".join(unique), start, end, workday, source))
    return periods


@lru_cache(maxsize=64)
def library_periods(year: int) -> tuple[HolidayPeriod, ...]:
    """Periods of `year` from the calendar libraries (no database); () if none can answer."""
    try:
        source, dates, day_off = _library_dates(year)
    except (NotImplementedError, KeyError, ValueError) as exc:
        logger.warning("no holiday calendar for %s: %s", year, exc)
        return ()
    return tuple(_group(dates, day_off, source))


def _next_weekday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while _weekend(day):
        day += dt.timedelta(days=1)
    return day


def schedule_periods(years: list[int]) -> dict[int, list[HolidayPeriod]]:
    """Admin-entered periods by year of their first day (one query)."""
    out: dict[int, list[HolidayPeriod]] = {}
    rows = HolidaySchedule.objects.filter(starts_on__year__in=years).order_by("starts_on")
    for row in rows:
        out.setdefault(row.starts_on.year, []).append(
            HolidayPeriod(
                row.name,
                row.starts_on,
                row.ends_on,
                row.first_workday or _next_weekday(row.ends_on),
                SOURCE_SCHEDULE,
            )
        )
    return out


def periods_for_years(years: list[int]) -> list[HolidayPeriod]:
    """Periods starting in `years`, the schedule replacing the libraries for a year it covers."""
    scheduled = schedule_periods(years)
    out: list[HolidayPeriod] = []
    for year in sorted(set(years)):
        if year in scheduled:
            out.extend(scheduled[year])
        else:
            # A library year may hold a period that starts in December of the year before
            # (元旦 2023 began on 31 December 2022): keep each period under its start year.
            out.extend(
                p
                for y in (year, year + 1)
                if y not in scheduled
                for p in library_periods(y)
                if p.starts_on.year == year
            )
    unique = {p.starts_on: p for p in out}
    return [unique[d] for d in sorted(unique)]


def periods_for_year(year: int) -> list[HolidayPeriod]:
    return periods_for_years([year])


def due_reminders(day: dt.date, days: int | None = None) -> list[tuple[str, HolidayPeriod]]:
    """(BEFORE | AFTER, period) reminders due on `day`.

    BEFORE while `day` is within `days` before the first day off; AFTER from the first
    workday after the period for AFTER_WINDOW_DAYS days (so a missed daily run catches up;
    the notification's dedupe key keeps it to one).
    """
    days = reminder_days() if days is None else days
    out: list[tuple[str, HolidayPeriod]] = []
    for period in periods_for_years([day.year - 1, day.year, day.year + 1]):
        if period.starts_on - dt.timedelta(days=days) <= day < period.starts_on:
            out.append((BEFORE, period))
        if (
            period.first_workday
            <= day
            < period.first_workday + dt.timedelta(days=AFTER_WINDOW_DAYS)
        ):
            out.append((AFTER, period))
    return out
