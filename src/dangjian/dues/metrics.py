"""Dues metrics per year: collected, members in arrears, on-time rate (issue 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum

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


def _owed_months(scope: MetricScope):
    """The year's months owed, up to last month."""
    first, last = _year(scope)
    today = services.today()
    return scope.restrict(
        DuesDue.objects.filter(
            month__range=(first, last), month__lt=today.replace(day=1), amount__gt=0
        )
    )


def _late(scope: MetricScope):
    """The year's months owed that were not paid by the end of their quarter."""
    return _owed_months(scope).exclude(ledger.paid_on_time(scope.year))


@metric(
    "dues.on_time_rate",
    "党费按时交纳率",
    "%",
    drilldown=_late,
    description="当年已到期的应交月份中，在当月所在季度内交纳的比例（按月交纳，经支部同意可按季度交纳）。",
)
def on_time_rate(scope: MetricScope) -> float | None:
    # One pass over the year's months: both counts from the same rows.
    counts = _owed_months(scope).aggregate(
        owed=Count("pk"), on_time=Count("pk", filter=ledger.paid_on_time(scope.year))
    )
    if not counts["owed"]:
        return None
    return round(100 * counts["on_time"] / counts["owed"], 1)
