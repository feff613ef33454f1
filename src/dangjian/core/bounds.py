"""The ranges every number, year, date and id the platform takes in must lie in.

A value outside them is a user's mistake (or a probe), never a reason for a 500: an id of
10^20 overflows SQLite's integer, `?join_year=0` makes Django build `date(0, 1, 1)`, a date
of 9999-12-31 overflows the day after it. The filters (`core.filters`) and serializer
fields (`core.fields`) check these bounds first and answer with the messages below; a view
that reads a query parameter by hand uses `parse_int` / `parse_id` / `parse_date`, never
`str.isdigit()` and `int()` (isdigit accepts "²", which int refuses).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

# Every table's primary key is a BigAutoField (settings.DEFAULT_AUTO_FIELD).
ID_MIN, ID_MAX = 1, 2**63 - 1

# Years of the platform's own records (meetings, campaigns, findings, metrics).
YEAR_MIN, YEAR_MAX = 2000, 2100
# Years in a person's history: joining the Party (founded 1921), births.
HISTORY_YEAR_MIN = 1900

DATE_MIN, DATE_MAX = dt.date(HISTORY_YEAR_MIN, 1, 1), dt.date(YEAR_MAX, 12, 31)

ID_INVALID = "编号应为正整数，例如 12。"
ID_RANGE = f"编号超出范围：应为 {ID_MIN} 至 {ID_MAX} 之间的整数。"
DATE_INVALID = "日期格式不正确，请写作 2024-01-31。"
_DATE_SPAN = (
    f"应在 {DATE_MIN.year} 年 {DATE_MIN.month} 月 {DATE_MIN.day} 日至 "
    f"{DATE_MAX.year} 年 {DATE_MAX.month} 月 {DATE_MAX.day} 日之间，请核对"
)
DATE_RANGE = f"日期超出范围：{_DATE_SPAN}。"
DATETIME_INVALID = "时间格式不正确，请写作 2024-01-31T09:30:00+08:00。"
NUMBER_INVALID = "应填写数字，例如 12。"
INTEGER_INVALID = "应填写整数，例如 12。"


def year_messages(lo: int, hi: int) -> dict[str, str]:
    text = f"年份应为 {lo} 至 {hi} 之间的整数，例如 2024。"
    return {"invalid": text, "min_value": text, "max_value": text, "max_string_length": text}


def number_messages(lo: int | Decimal | None, hi: int | Decimal | None) -> dict[str, str]:
    if lo is not None and hi is not None:
        text = f"应为 {lo} 至 {hi} 之间的数。"
    elif lo is not None:
        text = f"应不小于 {lo}。"
    else:
        text = f"应不大于 {hi}。"
    return {"min_value": text, "max_value": text}


ID_MESSAGES = {
    "invalid": ID_INVALID,
    "min_value": ID_RANGE,
    "max_value": ID_RANGE,
    "max_string_length": ID_RANGE,
}


def date_range_message(label: Any = None) -> str:
    return f"{label}超出范围：{_DATE_SPAN}。" if label else DATE_RANGE


def validate_date_range(value: dt.date | dt.datetime | None, label: Any = None) -> None:
    """Dates the platform can compute with (a day either side never overflows)."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(date_range_message(label), code="date_range")


_ASCII_INT = re.compile(r"-?[0-9]{1,19}")


def is_digits(text: str) -> bool:
    """Only the digits 0-9 (str.isdigit() also says yes to "²", which int() refuses)."""
    return text.isascii() and text.isdigit()


def parse_int(raw: Any, lo: int, hi: int) -> int | None:
    """An integer in [lo, hi] written in ASCII digits, else None (absent, malformed, out of range)."""
    text = "" if raw is None else str(raw).strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_id(raw: Any) -> int | None:
    return parse_int(raw, ID_MIN, ID_MAX)


def parse_date(raw: Any) -> dt.date | None:
    """A date written YYYY-MM-DD between DATE_MIN and DATE_MAX, else None."""
    text = "" if raw is None else str(raw).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None
