"""Member deadlines: probation ends (预备期满) and political birthdays (入党纪念日).

Probation is one year from the branch assembly that admitted the member (发展党员工作细则
第三十二条, verified), i.e. `joined_on` + 1 year, plus the one extension of 6–12 months when
the branch decided one (`members.models.probation_end`); a 29 February admission ends on
28 February in a common year (`termrules.add_years`). SQL selects a slightly wider
`joined_on` range, Python keeps the exact dates: the leap-day cases stay in one place.
A probationary member whose end has passed without 转正 being recorded is overdue.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from dangjian.members.models import Member, MembershipState, MemberStatus
from dangjian.members.models import probation_end as member_probation_end
from dangjian.orgs.models import Organization
from dangjian.orgs.termrules import add_years

from . import loader

PROBATION_YEARS = 1
PROBATION_NOTICE_DAYS = 30

PROBATION_RULE_ID = "member.probation.ending"
PROBATION_CITATION = "《中国共产党发展党员工作细则》（2014）第三十二条（已核实）"
BIRTHDAY_RULE_ID = "member.political_birthday"
BIRTHDAY_CITATION = "地方工作惯例（过政治生日）（未核实）"


def citation(rule_id: str, fallback: str) -> str:
    try:
        return loader.get_rule(rule_id).citation.text()
    except LookupError:
        return fallback


def notice_days() -> int:
    """Days before the probation end to remind: the rule's `days_before`, else 30."""
    try:
        params = loader.get_rule(PROBATION_RULE_ID).params
    except LookupError:
        return PROBATION_NOTICE_DAYS
    return int(params.get("days_before", PROBATION_NOTICE_DAYS))


@dataclass
class MemberDate:
    member_id: int
    name: str
    org_id: int
    org_name: str
    org_path: str
    org_kind: str
    joined_on: dt.date
    on: dt.date  # probation end, or this year's anniversary
    extension_months: int | None = None

    @property
    def party_years(self) -> int:
        """Years since joining, at `on` (for a birthday: the anniversary being celebrated)."""
        return self.on.year - self.joined_on.year


def _rows(queryset, date_of) -> list[MemberDate]:
    values = queryset.values(
        "pk",
        "name",
        "org_id",
        "org__name",
        "org__path",
        "org__kind",
        "joined_on",
        "probation_extension_months",
    )
    return [
        MemberDate(
            member_id=r["pk"],
            name=r["name"],
            org_id=r["org_id"],
            org_name=r["org__name"],
            org_path=r["org__path"],
            org_kind=r["org__kind"],
            joined_on=r["joined_on"],
            on=date_of(r["joined_on"], r["probation_extension_months"]),
            extension_months=r["probation_extension_months"],
        )
        for r in values
    ]


def _scoped(user: Any, within: Organization | None):
    qs = Member.objects.restrict(user, "view").filter(membership=MembershipState.NORMAL)
    return qs.within(within) if within is not None else qs


def probation_end(joined_on: dt.date, extension_months: int | None = None) -> dt.date:
    return member_probation_end(joined_on, extension_months)


def probation_due(
    user: Any,
    day: dt.date,
    within: Organization | None = None,
    days: int | None = None,
) -> tuple[list[MemberDate], list[MemberDate]]:
    """(ending, overdue) in one query: probationary members whose probation ends on `day` …
    `day + days`, and those whose end has passed with no 转正 recorded; soonest end first."""
    if days is None:
        days = notice_days()
    last = day + dt.timedelta(days=days)
    # Every end ≤ `last` has join + 1 year ≤ `last` (an extension only moves it later); the
    # 29 February case is widened by a day and checked exactly in Python.
    hi = add_years(last, -PROBATION_YEARS) + dt.timedelta(days=1)
    qs = (
        _scoped(user, within)
        .filter(status=MemberStatus.PROBATIONARY, joined_on__lte=hi)
        .order_by("joined_on", "org__path", "name", "pk")
    )
    rows = sorted(_rows(qs, probation_end), key=lambda r: (r.on, r.org_path, r.name, r.member_id))
    return [r for r in rows if day <= r.on <= last], [r for r in rows if r.on < day]


def probation_ending(
    user: Any,
    day: dt.date,
    within: Organization | None = None,
    days: int | None = None,
) -> list[MemberDate]:
    """Probationary members whose probation ends on `day` … `day + days`, soonest first."""
    return probation_due(user, day, within, days)[0]


def probation_overdue(
    user: Any, day: dt.date, within: Organization | None = None
) -> list[MemberDate]:
    """Probationary members whose probation (with its extension) ended before `day` and whose
    转正 is not recorded, longest overdue first."""
    return probation_due(user, day, within, days=0)[1]


def anniversary(joined_on: dt.date, year: int) -> dt.date:
    """The political birthday in `year`; 29 February falls on 28 February in a common year."""
    return add_years(joined_on, year - joined_on.year)


def birthdays_in_month(
    user: Any, year: int, month: int, within: Organization | None = None
) -> list[MemberDate]:
    """Members whose 入党纪念日 falls in `year`-`month` (at least one year in), by date."""
    qs = _scoped(user, within).filter(joined_on__month=month, joined_on__year__lt=year)
    rows = _rows(qs, lambda joined, _ext: anniversary(joined, year))
    rows.sort(key=lambda r: (r.on, r.org_path, r.name, r.member_id))
    return rows


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
