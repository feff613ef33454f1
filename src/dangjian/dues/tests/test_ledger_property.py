"""The ledger against a naive reference: random bases (pay changes), payments and a day to
look from; arrears per member from the database must equal a month-by-month count written
independently here (own bracket arithmetic, own calendar)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.dues import ledger, services
from dangjian.dues.models import DuesDue
from dangjian.members.tests.factories import MemberFactory

START = dt.date(2024, 1, 1)


def naive_due(base: D, retired: bool) -> D:
    if retired:
        rate = D("0.5") if base <= 5000 else D("1")
    elif base <= 3000:
        rate = D("0.5")
    elif base <= 5000:
        rate = D("1")
    elif base <= 10000:
        rate = D("1.5")
    else:
        rate = D("2")
    return (base * rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def due_at(changes: dict[int, int], month: int, retired: bool) -> D:
    """The due of month offset `month`: the latest pay change on or before it."""
    return naive_due(D(changes[max(k for k in changes if k <= month)]), retired)


def nth_month(n: int) -> dt.date:
    return dt.date(2024 + n // 12, n % 12 + 1, 1)


member_plan = st.fixed_dictionaries(
    {
        "retired": st.booleans(),
        # (month offset the pay starts, base in yuan): the first from month 0
        "bases": st.lists(
            st.tuples(st.integers(1, 17), st.integers(0, 15000)),
            max_size=3,
            unique_by=lambda t: t[0],
        ),
        "first_base": st.integers(0, 15000),
        # payments: (first month offset, months, days after the last month's start)
        "payments": st.lists(
            st.tuples(st.integers(0, 17), st.integers(1, 4), st.integers(0, 100)), max_size=5
        ),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans=st.lists(member_plan, min_size=1, max_size=3), look=st.integers(1, 18))
def test_arrears_match_a_naive_reference(tree, make_user, plans, look):
    secretary = make_user("branch_secretary", tree.branch_a)
    today = nth_month(look) + dt.timedelta(days=9)
    with transaction.atomic():
        members = []
        for plan in plans:
            member = MemberFactory(org=tree.branch_a, joined_on=dt.date(2000, 1, 1))
            category = "retired" if plan["retired"] else "in_service"
            changes = {0: plan["first_base"], **dict(plan["bases"])}
            for offset, base in sorted(changes.items()):
                month = nth_month(offset)
                services.save_base(
                    secretary,
                    member,
                    year=month.year,
                    from_month=month.month,
                    category=category,
                    base=str(base),
                )
            members.append((member, plan, changes))
        ledger.generate_through(nth_month(17), START)
        expected: dict[int, tuple[int, D]] = {}
        for member, plan, changes in members:
            paid: set[int] = set()
            for first, count, late in plan["payments"]:
                months = set(range(first, min(first + count, 18)))
                paid_on = nth_month(max(months)) + dt.timedelta(days=late)
                if months & paid or paid_on > dt.date(2025, 12, 31):
                    continue
                total = sum(due_at(changes, m, plan["retired"]) for m in months)
                back = (paid_on.year * 12 + paid_on.month) - (2024 * 12 + 1 + min(months))
                services.record_payment(
                    secretary,
                    member,
                    paid_on=paid_on,
                    from_month=nth_month(min(months)),
                    to_month=nth_month(max(months)),
                    amount=str(total or D("0.01")),
                    method="cash",
                    decision_ref="补交决定" if back > 6 else "",
                )
                paid |= months
            # Overdue: unpaid when its quarter ended — before the quarter `today` is in.
            this_quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            owed = [
                m
                for m in range(0, look)
                if nth_month(m) < this_quarter
                and m not in paid
                and due_at(changes, m, plan["retired"]) > 0
            ]
            if owed:
                expected[member.pk] = (
                    len(owed),
                    sum(due_at(changes, m, plan["retired"]) for m in owed),
                )
        got = {
            pk: (a.months, a.amount)
            for pk, a in ledger.arrears(DuesDue.objects.filter(org=tree.branch_a), today).items()
        }
        assert got == expected
        transaction.set_rollback(True)
