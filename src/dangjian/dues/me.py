"""The member's own dues on the 我的 page (registered by selfservice, which sits above dues):
this year's months paid and owed, the monthly amount with its bracket. Two queries, on the
member's own rows only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q

from . import ledger, services
from .models import DuesBase, DuesDue


def my_dues(member: Any, day: dt.date, user: Any) -> dict | None:
    rows = list(DuesDue.objects.filter(member=member, month__year=day.year).order_by("month"))
    base = (
        DuesBase.objects.filter(member=member)
        .filter(Q(year__lt=day.year) | Q(year=day.year, from_month__lte=day.month))
        .order_by("-year", "-from_month")
        .first()
    )
    if not rows and base is None:
        return None
    months = []
    for d in rows:
        state = ledger.month_state(d.amount, bool(d.payment_id), d.month, day)
        months.append(
            {
                "month": d.month,
                "amount": d.amount,
                "state": state,
                "paid_on": d.paid_on,
            }
        )
    owed = [m for m in months if m["state"] == "owed"]
    result = services.base_amount(base, member.org.path) if base is not None else None
    return {
        "year": day.year,
        "months": months,
        "paid": sum(1 for m in months if m["state"] == "paid"),
        "owed": len(owed),
        "owed_total": sum((m["amount"] for m in owed), Decimal("0")),
        "amount": result.amount if result else None,
        "bracket": result.bracket if result else "",
        "category": base.get_category_display() if base else "",
    }
