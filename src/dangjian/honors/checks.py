"""The reviewer's check of each nomination against the candidate's records.

Shown, never enforced: the 工委 decides, knowing what the records say. For a list of
nominations, each source is read once for the whole list (a fixed number of queries
whatever its length), through `restrict(user, "view")` like every other read:

- 留党察看 in force (recruitment.PartyProbation, decided and not yet restored);
- 出党 (members.Exit);
- dues arrears: months owed and unpaid before the current month (the dues ledger's rule,
  `dues.ledger.unpaid`);
- organizational life: activities of the round's year the member attended
  (activities.Participation, status 出席);
- for an org: the activities it held in the round's year (activities.Activity).

A source the user may not read shows as "无权查看", never as a clean record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from dangjian.activities.models import Activity, Participation, ParticipationStatus
from dangjian.core.scoping import has_any_scope
from dangjian.dues.models import DuesDue
from dangjian.members.models import Exit
from dangjian.recruitment.models import PartyProbation

OK, WARN, UNKNOWN = "ok", "warn", "unknown"


@dataclass(frozen=True)
class Check:
    label: str
    state: str  # OK | WARN | UNKNOWN
    text: str


@dataclass
class Checks:
    items: list[Check] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.items if c.state == WARN)


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def member_facts(user: Any, member_ids: Iterable[int], year: int, today: dt.date) -> dict[str, Any]:
    """Per source, {member_id: fact}, or None for a source the user may not read."""
    ids = sorted(set(member_ids))
    facts: dict[str, Any] = {}
    if has_any_scope(user, PartyProbation, "view"):
        facts["probation"] = dict(
            PartyProbation.objects.restrict(user, "view")
            .filter(member_id__in=ids, decided_on__lte=today)
            .filter(Q(restored_on__isnull=True) | Q(restored_on__gt=today))
            .values_list("member_id", "decided_on")
        )
    else:
        facts["probation"] = None
    if has_any_scope(user, Exit, "view"):
        facts["exit"] = {
            m: (left_on, kind)
            for m, left_on, kind in Exit.objects.restrict(user, "view")
            .filter(member_id__in=ids)
            .values_list("member_id", "left_on", "kind")
        }
    else:
        facts["exit"] = None
    if has_any_scope(user, DuesDue, "view"):
        # The unpaid rule (dues.ledger.unpaid) goes in the count, not the WHERE: then the
        # database finds the rows by member (the unique member+month index) instead of
        # walking every unpaid month of the city by the payment index.
        unpaid = Q(payment__isnull=True, amount__gt=0, month__lt=today.replace(day=1))
        facts["arrears"] = {
            m: n
            for m, n in DuesDue.objects.restrict(user, "view")
            .filter(member_id__in=ids)
            .order_by()
            .values("member_id")
            .annotate(n=Count("id", filter=unpaid))
            .values_list("member_id", "n")
            if n
        }
    else:
        facts["arrears"] = None
    if has_any_scope(user, Participation, "view"):
        first, last = _year_bounds(year)
        facts["attended"] = dict(
            Participation.objects.restrict(user, "view")
            .filter(
                member_id__in=ids,
                status=ParticipationStatus.ATTENDED,
                activity__held_on__range=(first, last),
            )
            .order_by()
            .values("member_id")
            .annotate(n=Count("id"))
            .values_list("member_id", "n")
        )
    else:
        facts["attended"] = None
    return facts


def org_facts(user: Any, org_ids: Iterable[int], year: int) -> dict[int, int] | None:
    """{org_id: activities held in the year}, or None when the user may not read them."""
    if not has_any_scope(user, Activity, "view"):
        return None
    first, last = _year_bounds(year)
    return dict(
        Activity.objects.restrict(user, "view")
        .filter(org_id__in=sorted(set(org_ids)), held_on__range=(first, last))
        .order_by()
        .values("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )


def member_checks(facts: dict[str, Any], member_id: int, year: int) -> Checks:
    out = Checks()
    probation = facts["probation"]
    if probation is None:
        out.items.append(Check("党纪处分", UNKNOWN, "无权查看"))
    elif member_id in probation:
        out.items.append(
            Check("党纪处分", WARN, f"留党察看中（{probation[member_id]:%Y-%m-%d} 决定）")
        )
    else:
        out.items.append(Check("党纪处分", OK, "无留党察看记录"))
    exits = facts["exit"]
    if exits is None:
        out.items.append(Check("党籍", UNKNOWN, "无权查看"))
    elif member_id in exits:
        left_on, _kind = exits[member_id]
        out.items.append(Check("党籍", WARN, f"已于 {left_on:%Y-%m-%d} 出党"))
    else:
        out.items.append(Check("党籍", OK, "在册"))
    arrears = facts["arrears"]
    if arrears is None:
        out.items.append(Check("党费", UNKNOWN, "无权查看"))
    elif arrears.get(member_id):
        out.items.append(Check("党费", WARN, f"欠交 {arrears[member_id]} 个月"))
    else:
        out.items.append(Check("党费", OK, "无欠交记录"))
    attended = facts["attended"]
    if attended is None:
        out.items.append(Check("组织生活", UNKNOWN, "无权查看"))
    elif attended.get(member_id):
        out.items.append(Check("组织生活", OK, f"{year}年参加 {attended[member_id]} 次"))
    else:
        out.items.append(Check("组织生活", WARN, f"{year}年未参加组织生活"))
    return out


def org_checks(activities: dict[int, int] | None, org_id: int, year: int) -> Checks:
    out = Checks()
    if activities is None:
        out.items.append(Check("组织生活", UNKNOWN, "无权查看"))
    elif activities.get(org_id):
        out.items.append(Check("组织生活", OK, f"{year}年开展活动 {activities[org_id]} 次"))
    else:
        out.items.append(Check("组织生活", WARN, f"{year}年没有活动记录"))
    return out


def for_nominations(user: Any, nominations: list[Any], today: dt.date) -> dict[int, Checks]:
    """{nomination id: its checks}, for nominations of one or more rounds (each judged on
    its own round's year): five queries per distinct year, whatever the list's length."""
    by_year: dict[int, list[Any]] = {}
    for n in nominations:
        by_year.setdefault(n.round.year, []).append(n)
    out: dict[int, Checks] = {}
    for year, rows in by_year.items():
        member_ids = [n.member_id for n in rows if n.member_id]
        org_ids = [n.recipient_org_id for n in rows if n.recipient_org_id]
        mfacts = member_facts(user, member_ids, year, today) if member_ids else None
        ofacts = org_facts(user, org_ids, year) if org_ids else None
        for n in rows:
            if n.member_id and mfacts is not None:
                out[n.pk] = member_checks(mfacts, n.member_id, year)
            elif n.recipient_org_id:
                out[n.pk] = org_checks(ofacts, n.recipient_org_id, year)
            else:
                out[n.pk] = Checks()
    return out
