"""Dues metrics per year: collected, members in arrears, on-time rate (issue 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, Sum

from dangjian.core.metrics import MetricScope, metric

from . import ledger, services
from .models import DuesDue, DuesPayment


def _year(scope: MetricScope) -> tuple[dt.date, dt.date]:
    return dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)


def _payments(scope: MetricScope):
    return scope.restrict(DuesPayment.objects.filter(paid_on__range=_year(scope)))


@metric(
    "dues.collected",
    "党费收缴金额",
    "元",
    drilldown=_payments,
    description="当年登记交纳的党费合计（按交纳日期，含补交和自愿多交）。",
)
def collected(scope: MetricScope) -> Decimal:
    total = _payments(scope).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return Decimal(total).quantize(Decimal("0.01"))  # SQLite sums decimals as floats


def _owed(scope: MetricScope):
    """The year's months owed and unpaid, up to last month."""
    first, last = _year(scope)
    qs = scope.restrict(DuesDue.objects.filter(month__range=(first, last)))
    return ledger.unpaid(qs, min(services.today(), last + dt.timedelta(days=1)))


@metric(
    "dues.arrears_members",
    "欠交党费党员数",
    "人",
    drilldown=_owed,
    description="当年有欠交月份（截至上月未交）的党员人数。",
)
def arrears_members(scope: MetricScope) -> int:
    return _owed(scope).values("member_id").distinct().count()


def _quarter_end(quarter: int, year: int) -> dt.date:
    return (
        dt.date(year, 12, 31)
        if quarter == 4
        else dt.date(year, quarter * 3 + 1, 1) - dt.timedelta(1)
    )


def _late(scope: MetricScope):
    """The year's months owed that were not paid by the end of their quarter."""
    first, last = _year(scope)
    today = services.today()
    qs = scope.restrict(
        DuesDue.objects.filter(
            month__range=(first, last), month__lt=today.replace(day=1), amount__gt=0
        )
    )
    on_time = Q()
    for quarter in range(1, 5):
        start = dt.date(scope.year, quarter * 3 - 2, 1)
        on_time |= Q(
            month__gte=start,
            month__lte=_quarter_end(quarter, scope.year),
            payment__paid_on__lte=_quarter_end(quarter, scope.year),
        )
    return qs.exclude(on_time)


@metric(
    "dues.on_time_rate",
    "党费按时交纳率",
    "%",
    drilldown=_late,
    description="当年已到期的应交月份中，在当月所在季度内交纳的比例（按月交纳，经支部同意可按季度交纳）。",
)
def on_time_rate(scope: MetricScope) -> float | None:
    first, last = _year(scope)
    today = services.today()
    owed = scope.restrict(
        DuesDue.objects.filter(
            month__range=(first, last), month__lt=today.replace(day=1), amount__gt=0
        )
    ).count()
    if not owed:
        return None
    late = _late(scope).count()
    return round(100 * (owed - late) / owed, 1)
