"""Dues metrics on a hand-computed year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.dues import ledger, services
from dangjian.members.tests.factories import MemberFactory

M = lambda y, m: dt.date(y, m, 1)  # noqa: E731


def test_collected_arrears_and_on_time_rate(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    a, b = (MemberFactory(org=tree.branch_a, joined_on=dt.date(2010, 1, 1)) for _ in range(2))
    for person in (a, b):
        services.save_base(
            secretary, person, year=2024, from_month=1, category="in_service", base="4000"
        )
    ledger.generate_through(M(2024, 12))
    pay = lambda who, f, t, amount, on: services.record_payment(  # noqa: E731
        secretary, who, paid_on=on, from_month=f, to_month=t, amount=amount, method="cash"
    )
    pay(a, M(2024, 1), M(2024, 3), "120", dt.date(2024, 3, 30))  # on time (in the quarter)
    pay(a, M(2024, 4), M(2024, 6), "120", dt.date(2024, 7, 1))  # late: after Q2
    pay(b, M(2024, 1), M(2024, 1), "1040", dt.date(2024, 1, 5))  # on time, 1,000 extra
    scope = MetricScope(SYSTEM, 2024)
    assert registry.get("dues.collected").value(scope) == D("1280.00")
    # 2024 is over: both owe months (a: Jul–Dec, b: Feb–Dec).
    assert registry.get("dues.arrears_members").value(scope) == 2
    # 24 months owed; on time: a's Jan–Mar and b's January = 4 → 16.7 %.
    assert registry.get("dues.on_time_rate").value(scope) == 16.7
    assert registry.get("dues.on_time_rate").value(MetricScope(SYSTEM, 2023)) is None
