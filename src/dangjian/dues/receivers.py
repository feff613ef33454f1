"""The ledger follows the member: a transfer's 党费交至 comes from the ledger when left blank.

The 介绍信 of an 组织关系转接 states to which month the member has paid; the branch that keeps
the ledger knows it already, so a transfer recorded without it (the form, the API, an
import) takes the month before the first unpaid one — or the last month paid when none is
owed. A month typed by the user is kept as typed.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver

from dangjian.members.models import Transfer

from .models import DuesDue, add_months


def paid_until(member_id: int) -> str:
    """ "YYYY-MM" the member's ledger is paid up to, or "" with no ledger (one query)."""
    rows = list(
        DuesDue.objects.filter(member_id=member_id, amount__gt=0)
        .order_by("month")
        .values_list("month", "payment_id")
    )
    unpaid = [month for month, payment in rows if payment is None]
    paid = [month for month, payment in rows if payment is not None]
    if unpaid:
        if unpaid[0] == rows[0][0]:
            return ""  # nothing paid before the first month owed
        return f"{add_months(unpaid[0], -1):%Y-%m}"
    return f"{paid[-1]:%Y-%m}" if paid else ""


@receiver(pre_save, sender=Transfer, dispatch_uid="dangjian_dues_transfer_paid_until")
def fill_paid_until(sender: Any, instance: Transfer, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is not None or instance.dues_paid_until:
        return
    instance.dues_paid_until = paid_until(instance.member_id)
