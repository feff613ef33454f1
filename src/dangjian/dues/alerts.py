"""What the dues ledger asks people to act on (for `dangjian remind` and 待办).

- unpaid for 3 months in a row (ending last month): the secretary collects or asks why;
- 6 months in a row without a recorded reason: flagged citing 党章 第九条 — the platform
  flags, the branch decides (a reason recorded on the unpaid months stops the flag);
- bases not reviewed (核定) this year: members in the register without a base for the year.

Set-based: one query of the unpaid months of the scope (the last 24), one for the bases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef

from dangjian.members.models import Member, MembershipState

from . import ledger
from .models import DuesBase, DuesDue, add_months, month_index

BASE_REVIEW_FROM_MONTH = 3  # the year's 核定 is done early in the year: ask from March
UNPAID_MONTHS = 3
LAPSE_MONTHS = 6
LAPSE_CITATION = (
    "《中国共产党章程》第九条：“党员如果没有正当理由，连续六个月不参加党的组织生活，"
    "或不交纳党费，或不做党所分配的工作，就被认为是自行脱党。”（已核实）"
)
PAYMENT_CITATION = "《关于中国共产党党费收缴、使用和管理的规定》第十二条（已核实）"


@dataclass
class UnpaidRun:
    member_id: int
    name: str
    org_id: int
    org_name: str
    org_path: str
    months: int  # consecutive unpaid months ending last month
    since: dt.date
    total: Decimal
    reasoned: bool  # every month of the run has a recorded reason

    @property
    def lapse(self) -> bool:
        """6 months or more without a recorded reason (党章 第九条)."""
        return self.months >= LAPSE_MONTHS and not self.reasoned


def unpaid_runs(
    user: Any, today: dt.date, within: Any = None, at_least: int = UNPAID_MONTHS
) -> list[UnpaidRun]:
    """Members whose last `at_least`+ months before the current one are all unpaid."""
    current = today.replace(day=1)
    qs = DuesDue.objects.restrict(user, "view")
    if within is not None:
        qs = qs.within(within)
    rows = (
        ledger.unpaid(qs, today)
        .filter(month__gte=add_months(current, -24))
        .order_by("member_id", "-month")
        .values_list(
            "member_id",
            "month",
            "amount",
            "reason",
            "member__name",
            "org_id",
            "org__name",
            "org__path",
        )
    )
    last = month_index(current) - 1
    out: list[UnpaidRun] = []
    run: UnpaidRun | None = None
    expected = last
    for member_id, month, amount, reason, name, org_id, org_name, org_path in rows:
        if run is None or run.member_id != member_id:
            if run is not None and run.months >= at_least:
                out.append(run)
            run = UnpaidRun(member_id, name, org_id, org_name, org_path, 0, month, Decimal(0), True)
            expected = last
        if month_index(month) != expected:
            expected = -1  # the run ending last month is over: the older months do not count
            continue
        run.months += 1
        run.since = month
        run.total += amount
        run.reasoned = run.reasoned and bool(reason)
        expected -= 1
    if run is not None and run.months >= at_least:
        out.append(run)
    return sorted(out, key=lambda r: (-r.months, r.org_name, r.name))


@dataclass
class UnreviewedBases:
    org_id: int
    org_name: str
    org_path: str
    members: int


def bases_not_reviewed(user: Any, year: int, within: Any = None) -> list[UnreviewedBases]:
    """Per org: members in the register without a base for `year` (one query)."""
    qs = Member.objects.restrict(user, "view").filter(membership=MembershipState.NORMAL)
    if within is not None:
        qs = qs.within(within)
    has_base = DuesBase.objects.filter(member=OuterRef("pk"), year=year)
    rows = (
        qs.filter(~Exists(has_base))
        .order_by()
        .values("org_id", "org__name", "org__path")
        .annotate(n=Count("pk"))
        .order_by("org__path")
    )
    return [UnreviewedBases(r["org_id"], r["org__name"], r["org__path"], r["n"]) for r in rows]


def prepare(day: dt.date) -> int:
    """Store the dues of this year up to the current month (idempotent): the reminders and
    the arrears read stored months."""
    return ledger.generate_through(day.replace(day=1))
