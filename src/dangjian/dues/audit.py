"""党费审查 from the ledger: what an assessor of the 党费收缴使用管理审查 would otherwise count
on paper ("12 个月按月交纳：96 % 党员", "年度基数已核定：100 %", "欠交 3 个月以上：4 人").

A framework item names one of these sources (`evidence_source` in the framework file); the
assessment page then shows, for the checked org's subtree and the campaign period, the
figure and a suggested result — the assessor still decides. Each source is a few
set-based queries over the subtree, whatever its size.

As of a past period's end, a month paid afterwards counts as unpaid then: the check reads
the ledger as it stood on the period's last day (or today while the period runs).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from dangjian.orgs.models import Organization

from .ledger import quarter_end
from .models import DuesBase, DuesDue, DuesPayment, DuesRemittance, add_months, month_index

LINKS_SHOWN = 5
ARREARS_MONTHS = 3  # 欠交 3 个月以上


@dataclass
class LedgerEvidence:
    text: str
    compliant: int  # members (or org-quarters) that meet the item
    total: int  # those judged
    links: list[tuple[str, str]] = field(default_factory=list)  # (name, page)


def _as_of(end: dt.date, today: dt.date) -> dt.date:
    return min(end, today)


def _owed(org: Organization, start: dt.date, end: dt.date, today: dt.date):
    """The subtree's months owed in the period whose quarter has ended by the as-of day."""
    as_of = _as_of(end, today)
    last_month = add_months(as_of.replace(day=1), -1)
    return DuesDue.objects.within(org).filter(
        month__gte=start.replace(day=1), month__lte=last_month, amount__gt=0
    )


def _member_link(member_id: int, name: str) -> tuple[str, str]:
    return name, reverse("dues:member_ledger", args=[member_id])


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def monthly(org: Organization, start: dt.date, end: dt.date, today: dt.date) -> LedgerEvidence:
    """按月交纳 (经支部同意可按季度): members all of whose months owed in the period were
    paid by the end of their quarter."""
    as_of = _as_of(end, today)
    rows = (
        _owed(org, start, end, today)
        .order_by()
        .values_list("member_id", "member__name", "month", "paid_on")
    )
    members: dict[int, str] = {}
    late: dict[int, int] = defaultdict(int)
    for member_id, name, month, paid_on in rows:
        members[member_id] = name
        if quarter_end(month) > as_of:
            continue  # its quarter is still running: not late yet
        if paid_on is None or paid_on > quarter_end(month):
            late[member_id] += 1
    total, compliant = len(members), len(members) - len(late)
    if not total:
        return LedgerEvidence("按月交纳：检查期间台账中没有应交月份", 0, 0)
    text = (
        f"按月（经支部同意可按季度）交纳：{total} 名党员中 {compliant} 名全部按时交纳"
        f"（{_percent(compliant, total)}）"
    )
    if late:
        text += f"，{len(late)} 名有未按时交纳的月份"
    worst = sorted(late, key=lambda m: (-late[m], members[m]))[:LINKS_SHOWN]
    return LedgerEvidence(text, compliant, total, [_member_link(m, members[m]) for m in worst])


def bases(org: Organization, start: dt.date, end: dt.date, today: dt.date) -> LedgerEvidence:
    """年度基数已核定: for each year of the period, the members in the ledger that year with
    a base (核定) recorded for it."""
    as_of = _as_of(end, today)
    in_ledger = set(
        DuesDue.objects.within(org)
        .filter(month__gte=start.replace(day=1), month__lte=as_of)
        .order_by()
        .values_list("member_id", "month__year", "member__name")
        .distinct()
    )
    if not in_ledger:
        return LedgerEvidence("年度基数核定：检查期间台账中没有党员", 0, 0)
    member_ids = {m for m, _, _ in in_ledger}
    years = {y for _, y, _ in in_ledger}
    reviewed = set(
        DuesBase.objects.filter(member_id__in=_ids_of(org, start, as_of), year__in=years)
        .order_by()
        .values_list("member_id", "year")
        .distinct()
    )
    missing = sorted((name, m) for m, y, name in in_ledger if (m, y) not in reviewed)
    total = len(in_ledger)
    compliant = total - len(missing)
    year_text = "、".join(str(y) for y in sorted(years))
    text = f"年度基数已核定（{year_text}年）：{_percent(compliant, total)}"
    text += (
        f"（{total} 人次中 {compliant} 人次）"
        if len(years) > 1
        else f"（{len(member_ids)} 名党员中 {compliant} 名）"
    )
    links = [_member_link(m, name) for name, m in missing[:LINKS_SHOWN]]
    return LedgerEvidence(text, compliant, total, links)


def _ids_of(org: Organization, start: dt.date, as_of: dt.date):
    """The members in the subtree's ledger in the period, as a subquery (no list of ids)."""
    return (
        DuesDue.objects.within(org)
        .filter(month__gte=start.replace(day=1), month__lte=as_of)
        .values("member_id")
    )


def arrears(org: Organization, start: dt.date, end: dt.date, today: dt.date) -> LedgerEvidence:
    """欠交 3 个月以上 as of the period's end (or today), and the period's 补交."""
    as_of = _as_of(end, today)
    current = month_index(as_of.replace(day=1))
    unpaid = (
        DuesDue.objects.within(org)
        .filter(month__lt=as_of.replace(day=1), month__gte=add_months(as_of.replace(day=1), -24))
        .filter(amount__gt=0)
        .filter(Q(payment__isnull=True) | Q(paid_on__gt=as_of))
        .order_by("member_id", "-month")
        .values_list("member_id", "member__name", "month")
    )
    runs: dict[int, int] = {}
    names: dict[int, str] = {}
    expected: dict[int, int] = {}
    for member_id, name, month in unpaid:
        names[member_id] = name
        want = expected.get(member_id, current - 1)
        if want < 0 or month_index(month) != want:
            expected[member_id] = -1  # the run ending last month is over
            continue
        runs[member_id] = runs.get(member_id, 0) + 1
        expected[member_id] = want - 1
    behind = {m: n for m, n in runs.items() if n >= ARREARS_MONTHS}
    judged = _owed(org, start, end, today).values("member_id").distinct().count()
    back = DuesPayment.objects.within(org).filter(paid_on__range=(start, as_of), back_payment=True)
    back_counts = back.aggregate(n=Count("pk"), decided=Count("pk", filter=~Q(decision_ref="")))
    text = f"欠交 3 个月以上：{len(behind)} 人（截至 {as_of:%Y-%m-%d}）"
    if behind:
        longest = max(behind.values())
        text += f"，最长连续 {longest} 个月"
    text += f"；检查期间补交 {back_counts['n']} 笔"
    if back_counts["decided"]:
        text += f"（其中超过 6 个月、有补交决定的 {back_counts['decided']} 笔）"
    worst = sorted(behind, key=lambda m: (-behind[m], names[m]))[:LINKS_SHOWN]
    return LedgerEvidence(
        text, judged - len(behind), judged, [_member_link(m, names[m]) for m in worst]
    )


def remittance(org: Organization, start: dt.date, end: dt.date, today: dt.date) -> LedgerEvidence:
    """上缴: each org of the subtree that collected dues in a quarter of the period that has
    ended hands that quarter over, confirmed by the receiver."""
    as_of = _as_of(end, today)
    collected = (
        DuesPayment.objects.within(org)
        .filter(paid_on__gte=start, paid_on__lte=as_of)
        .order_by()
        .values_list("org_id", "org__name", "paid_on")
        .distinct()
    )
    quarters: dict[tuple[int, dt.date], str] = {}
    for org_id, name, paid_on in collected:
        q_end = quarter_end(paid_on)
        if q_end < as_of:  # a running quarter is handed over after it ends
            quarters[(org_id, q_end)] = name
    if not quarters:
        return LedgerEvidence("上缴：检查期间没有已结束季度的收缴记录", 0, 0)
    confirmed: set[tuple[int, dt.date]] = set()
    for from_org, first, last, received in (
        DuesRemittance.objects.filter(from_org_id__in={o for o, _ in quarters})
        .filter(to_month__gte=start.replace(day=1))
        .values_list("from_org_id", "from_month", "to_month", "received_on")
    ):
        if received is None or received > as_of:
            continue
        for org_id, q_end in quarters:
            if org_id == from_org and first <= q_end.replace(day=1) <= last:
                confirmed.add((org_id, q_end))
    missing = sorted(set(quarters) - confirmed, key=lambda k: (k[1], quarters[k]))
    total, compliant = len(quarters), len(quarters) - len(missing)
    text = f"上缴：{total} 个组织季度中 {compliant} 个已上缴并经接收确认（{_percent(compliant, total)}）"
    links = [
        (
            f"{quarters[k]}（{k[1].year}年第{(k[1].month - 1) // 3 + 1}季度）",
            reverse("dues:remittance_list"),
        )
        for k in missing[:LINKS_SHOWN]
    ]
    return LedgerEvidence(text, compliant, total, links)


Source = Callable[[Organization, dt.date, dt.date, dt.date], LedgerEvidence]

# The sources a framework item may name (`evidence_source`), with what the assessor sees.
SOURCES: dict[str, tuple[str, Source]] = {
    "dues.monthly": ("按月交纳情况（台账）", monthly),
    "dues.bases": ("年度基数核定情况（台账）", bases),
    "dues.arrears": ("欠交和补交情况（台账）", arrears),
    "dues.remittance": ("上缴和接收确认情况（台账）", remittance),
}


def evaluate(
    source: str, org: Organization, start: dt.date, end: dt.date, today: Any
) -> LedgerEvidence:
    return SOURCES[source][1](org, start, end, today)
