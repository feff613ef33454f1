"""Term lengths and renewal status, read from `library/term_lengths.yaml`.

The YAML is rule data with citations (DESIGN §6): code never holds a term length. A
kind missing from the file (工委, 党组, 党小组) is not elected for a fixed term, so it
has no Term rows and its renewal status is "not applicable".
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from dangjian.core import yamlio

LIBRARY = Path(__file__).parent / "library" / "term_lengths.yaml"


@dataclass(frozen=True)
class TermRule:
    kind: str
    years: int
    citation: dict


UNIT_KIND = "unit_party"  # the unit-level kind whose term follows its form (orgs.models.OrgKind)


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, TermRule], tuple[int, int], dict[str, TermRule]]:
    try:
        data = yamlio.load_path(LIBRARY)
        rules = {
            item["kind"]: TermRule(item["kind"], int(item["years"]), dict(item["citation"]))
            for item in data["terms"]
        }
        forms = {
            item["form"]: TermRule(UNIT_KIND, int(item["years"]), dict(item["citation"]))
            for item in data.get("unit_forms", [])
        }
        far, near = sorted((int(m) for m in data["renewal_warnings_months"]), reverse=True)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        # ValueError also covers yamlio.YamlError and a warning list not of two numbers.
        raise ImproperlyConfigured(f"{LIBRARY}: 届期规则文件无效：{exc}") from exc
    return rules, (far, near), forms


def term_rule(kind: str, unit_form: str = "") -> TermRule | None:
    """The term rule of an org of `kind`; a unit-level org's follows its form (机关党委 5
    years, 机关总支 and 机关支部 3), the kind's own entry when no form is recorded."""
    if kind == UNIT_KIND and unit_form:
        rule = _load()[2].get(unit_form)
        if rule is not None:
            return rule
    return _load()[0].get(kind)


def unit_form_rules() -> dict[str, TermRule]:
    """Term rules of the unit-level forms, by form."""
    return dict(_load()[2])


def term_kinds() -> tuple[str, ...]:
    """Org kinds elected for a fixed term (the kinds the rule file names)."""
    return tuple(_load()[0])


def warning_months() -> tuple[int, int]:
    """(far, near) warning offsets in months, e.g. (6, 3)."""
    return _load()[1]


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


class TermStatus:
    NORMAL = "normal"
    DUE_6 = "due_6m"
    DUE_3 = "due_3m"
    OVERDUE = "overdue"
    NO_DATA = "no_data"
    NOT_APPLICABLE = "not_applicable"
    ENDED = "ended"

    LABELS = {
        NORMAL: "正常",
        DUE_6: "6个月内到期",
        DUE_3: "3个月内到期",
        OVERDUE: "已超期",
        NO_DATA: "无届次信息",
        NOT_APPLICABLE: "不适用",
        ENDED: "已换届",
    }
    BADGES = {
        NORMAL: "bg-green-lt",
        DUE_6: "bg-yellow-lt",
        DUE_3: "bg-orange-lt",
        OVERDUE: "bg-red-lt",
        NO_DATA: "bg-secondary-lt",
        NOT_APPLICABLE: "",
        ENDED: "bg-secondary-lt",
    }


# What a user can filter on: the renewal statuses of an org's current term.
STATUS_CHOICES = [
    (k, TermStatus.LABELS[k])
    for k in (
        TermStatus.NORMAL,
        TermStatus.DUE_6,
        TermStatus.DUE_3,
        TermStatus.OVERDUE,
        TermStatus.NO_DATA,
    )
]


def thresholds(today: dt.date) -> tuple[dt.date, dt.date]:
    """(far, near) dates: a due date on or before them is due within 6 / 3 months."""
    far, near = warning_months()
    return add_months(today, far), add_months(today, near)


def status_for(due_on: dt.date | None, today: dt.date) -> str:
    """Renewal status of a current term whose (possibly extended) end is `due_on`.

    Boundaries: due today is still "within 3 months" (not yet overdue); due exactly
    3 months ahead is "within 3 months"; exactly 6 months ahead "within 6 months".
    `OrganizationQuerySet.with_term_status` computes the same in SQL.
    """
    if due_on is None:
        return TermStatus.NO_DATA
    if due_on < today:
        return TermStatus.OVERDUE
    far, near = thresholds(today)
    if due_on <= near:
        return TermStatus.DUE_3
    if due_on <= far:
        return TermStatus.DUE_6
    return TermStatus.NORMAL
