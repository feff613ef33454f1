"""What the dues ledger asks people to act on (for `dangjian remind` and 待办).

- unpaid for 3 months in a row (ending last month): the secretary collects or asks why;
- 6 months in a row without a recorded reason: flagged citing 党章 第九条 — the platform
  flags, the branch decides (a reason recorded on the unpaid months stops the flag);
- bases not reviewed (核定) this year: members in the register without a base for the year;
- pay changed but base did not, where the records show it (`stale_bases`).

Set-based: one query of the unpaid months of the scope (the last 24), one for the bases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.core.bounds import is_digits
from dangjian.members.models import Category, Member, MembershipState

from . import ledger
from .models import DuesBase, DuesCategory, DuesDue, add_months, month_index

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
        ledger.unpaid_months(qs, today)
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


# --- pay changed, base not --------------------------------------------------------------

# The 交纳类别 a member's 人员类别 may pay under: a member who retired pays on the pension
# (离退休费), not the old pay; one who took up a post pays on the pay. Relief (低保) and
# farmers may fit several. `other` is not judged.
FITTING = {
    Category.IN_SERVICE: {"in_service", "annual_salary", "relief", "farmer"},
    Category.RETIRED: {"retired", "relief"},
    Category.STUDENT: {"student", "relief"},
    Category.UNEMPLOYED: {"unemployed", "relief", "farmer"},
}
CHANGE_CITATION = (
    "《关于中国共产党党费收缴、使用和管理的规定》第十条：党员工资收入发生变化后，"
    "从按新工资标准领取工资的当月起，按照新的工资收入交纳党费。（已核实）"
)


@dataclass
class StaleBase:
    member_id: int
    name: str
    org_id: int
    org_name: str
    org_path: str
    base_year: int
    reason: str  # what shows the pay changed, in words


# Up to this many members, their own audit events are read (by the object index); more (a
# city), the type's events of the period, which the city's members mostly are anyway.
OWN_EVENTS_UP_TO = 2000


def stale_bases(user: Any, day: dt.date, within: Any = None) -> list[StaleBase]:
    """Members whose record shows a pay change the base in force does not follow:
    - the 人员类别 no longer fits the base's 交纳类别 (retired but paying on the pay, …);
    - the 职务 was changed (a promotion or a new post) after the base in force was recorded
      (a base recorded later, whatever month it applies from, takes the change into account).
    Two queries: the members with their base in force, the audited 职务 changes since."""
    month = day.replace(day=1)
    qs = Member.objects.restrict(user, "view").filter(membership=MembershipState.NORMAL)
    if within is not None:
        qs = qs.within(within)
    in_force = (
        DuesBase.objects.filter(member=OuterRef("pk"))
        .filter(Q(year__lt=month.year) | Q(year=month.year, from_month__lte=month.month))
        .order_by("-year", "-from_month")
    )
    rows = list(
        qs.annotate(
            base_category=Subquery(in_force.values("category")[:1]),
            base_year=Subquery(in_force.values("year")[:1]),
            base_month=Subquery(in_force.values("from_month")[:1]),
            base_written=Subquery(in_force.values("created")[:1]),
        )
        .filter(base_category__isnull=False)
        .values_list(
            "pk",
            "name",
            "category",
            "job_title",
            "org_id",
            "org__name",
            "org__path",
            "base_category",
            "base_year",
            "base_month",
            "base_written",
        )
    )
    found: dict[int, StaleBase] = {}
    since: dict[int, dt.date] = {}  # the month the base in force applies from
    written: dict[int, Any] = {}  # when that base was recorded: a later change is not in it
    for row in rows:
        pk, name, category, _job, org_id, org_name, path, base_cat, year, from_month, when = row
        fits = FITTING.get(category)
        if fits is not None and base_cat not in fits:
            found[pk] = StaleBase(
                pk,
                name,
                org_id,
                org_name,
                path,
                year,
                f"人员类别为“{Category(category).label}”，"
                f"党费仍按“{DuesCategory(base_cat).label}”计算",
            )
        else:
            since[pk], written[pk] = dt.date(year, from_month, 1), when
    if written:
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
        events = AuditEvent.objects.filter(
            object_type="members.member",
            action="update",
            occurred_at__gt=min(written.values()),
            occurred_at__lt=end,
        )
        if len(written) <= OWN_EVENTS_UP_TO:  # a branch or a unit: its members' events only
            events = events.filter(object_id__in=[str(pk) for pk in written])
        changes = events.order_by("occurred_at").values_list(
            "object_id", "occurred_at", "before", "after"
        )
        by_pk = {r[0]: r for r in rows}
        for object_id, occurred_at, before, after in changes:
            pk = int(object_id) if is_digits(str(object_id)) else None
            if pk not in since or pk in found:
                continue
            old = (before or {}).get("job_title")
            new = (after or {}).get("job_title")
            if old == new or not new or occurred_at <= written[pk]:
                continue
            _pk, name, _c, _j, org_id, org_name, path, _b, year, _m, _w = by_pk[pk]
            found[pk] = StaleBase(
                pk,
                name,
                org_id,
                org_name,
                path,
                year,
                f"{timezone.localdate(occurred_at):%Y年%m月}职务由“{old or '无'}”变为“{new}”，"
                f"党费基数自{since[pk]:%Y年%m月}起未调整",
            )
    return sorted(found.values(), key=lambda s: (s.org_path, s.name))
