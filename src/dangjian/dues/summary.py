"""党费汇总 per unit and for the city: one line per org directly below the chosen one (the
工委's units, a unit's branches), each summed over its whole subtree, for one year.

Columns: members in the year's ledger, members with the year's base reviewed (核定), the
months owed up to the last ended quarter and what of them is paid, collected (payments registered in
the year, by the collecting org), members in arrears, on-time rate (months paid within
their quarter), handed over (上缴) and confirmed by the receiver. Rows of the chosen org
itself (its own members, a unit's dues handed over to the 工委) are its "本级" line.

Set-based: each figure is one GROUP BY over the subtree on the first characters of the
path (the child's path), whatever the number of orgs — no query per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from dangjian.orgs.models import Organization

from . import ledger
from .models import DuesBase, DuesDue, DuesPayment, DuesRemittance, add_months

ZERO = Decimal("0")


@dataclass
class Line:
    org_id: int
    name: str
    own: bool = False  # the chosen org's own rows (本级)
    members: int = 0
    reviewed: int = 0
    owed: Decimal = ZERO  # due up to last month (amount > 0)
    owed_paid: Decimal = ZERO
    months: int = 0  # months owed up to last month
    on_time: int = 0  # of them, paid within their quarter
    collected: Decimal = ZERO
    arrears_members: int = 0
    remitted: Decimal = ZERO
    confirmed: Decimal = ZERO

    @property
    def reviewed_rate(self) -> float | None:
        return round(100 * self.reviewed / self.members, 1) if self.members else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.months, 1) if self.months else None

    @property
    def unpaid(self) -> Decimal:
        return self.owed - self.owed_paid


@dataclass
class Summary:
    org: Organization
    year: int
    as_of: dt.date
    lines: list[Line] = field(default_factory=list)
    total: Line | None = None


def build(org: Organization, year: int, today: dt.date) -> Summary:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    as_of = min(today, last)
    # Owed: the year's months whose quarter has ended (a past year: all twelve) — a month of
    # the running quarter may still be paid on time (ledger.overdue_before).
    owed_through = min(dt.date(year, 12, 1), add_months(ledger.overdue_before(today), -1))
    width = len(org.path) + Organization.steplen
    children = list(
        Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
        .order_by("path")
        .values_list("path", "pk", "name")
    )
    lines = {path: Line(pk, name) for path, pk, name in children}
    own = Line(org.pk, f"{org.name}（本级）", own=True)

    def line(key: str) -> Line:
        return lines.get(key) or own  # a row at the chosen org itself: 本级

    def grouped(qs, path_field: str, **aggregates):
        return (
            qs.annotate(key=Substr(path_field, 1, width))
            .order_by()
            .values("key")
            .annotate(**aggregates)
        )

    dues = DuesDue.objects.within(org).filter(month__gte=first, month__lte=last)
    for r in grouped(dues, "org__path", members=Count("member_id", distinct=True)):
        line(r["key"]).members = r["members"]
    reviewed = DuesBase.objects.filter(year=year, member_id__in=dues.values("member_id"))
    for r in grouped(
        dues.filter(member_id__in=reviewed.values("member_id")),
        "org__path",
        n=Count("member_id", distinct=True),
    ):
        line(r["key"]).reviewed = r["n"]
    on_time = ledger.paid_on_time(year)
    owed = dues.filter(month__lte=owed_through, amount__gt=0)
    for r in grouped(
        owed,
        "org__path",
        owed=Sum("amount"),
        paid=Sum("amount", filter=Q(payment__isnull=False)),
        months=Count("pk"),
        on_time=Count("pk", filter=on_time),
        arrears=Count("member_id", distinct=True, filter=Q(payment__isnull=True)),
    ):
        target = line(r["key"])
        target.owed, target.owed_paid = _money(r["owed"]), _money(r["paid"])
        target.months, target.on_time, target.arrears_members = (
            r["months"],
            r["on_time"],
            r["arrears"],
        )
    payments = DuesPayment.objects.within(org).filter(paid_on__gte=first, paid_on__lte=last)
    for r in grouped(payments, "org__path", total=Sum("amount")):
        line(r["key"]).collected = _money(r["total"])
    # Handed over to the chosen org (上缴本级): a unit's branches to it, the units to the 工委.
    handed = DuesRemittance.objects.filter(to_org=org, from_month__gte=first, from_month__lte=last)
    for r in grouped(
        handed,
        "from_org__path",
        total=Sum("amount"),
        confirmed=Sum("amount", filter=Q(received_on__isnull=False)),
    ):
        target = line(r["key"])
        target.remitted, target.confirmed = _money(r["total"]), _money(r["confirmed"])
    shown = list(lines.values())
    if own.members or own.collected or own.remitted:
        shown.insert(0, own)
    total = Line(org.pk, "合计")
    for one in shown:
        for name in (
            "months",
            "on_time",
            "owed",
            "owed_paid",
            "collected",
            "remitted",
            "confirmed",
        ):
            setattr(total, name, getattr(total, name) + getattr(one, name))
    # People once: a member who moved between two lines in the year is one member in total.
    total.members = dues.values("member_id").distinct().count()
    total.reviewed = reviewed.values("member_id").distinct().count()
    total.arrears_members = owed.filter(payment__isnull=True).values("member_id").distinct().count()
    return Summary(org, year, as_of, shown, total)


def _money(value) -> Decimal:
    # SQLite sums decimals as floats: back to cents.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


HEADERS = (
    "党组织",
    "台账党员（人）",
    "基数已核定（人）",
    "核定率",
    "应交（元，截至上季度末）",
    "已交（元）",
    "欠交（元）",
    "欠交人数",
    "按时交纳率",
    "当年收缴（元）",
    "上缴本级（元）",
    "本级已确认（元）",
)


def row(line: Line) -> list:
    def rate(value: float | None) -> str:
        return "—" if value is None else f"{value}%"

    return [
        line.name,
        line.members,
        line.reviewed,
        rate(line.reviewed_rate),
        line.owed,
        line.owed_paid,
        line.unpaid,
        line.arrears_members,
        rate(line.on_time_rate),
        line.collected,
        line.remitted,
        line.confirmed,
    ]
