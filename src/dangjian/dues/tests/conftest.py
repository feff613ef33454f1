"""Fixtures for the dues tests: a logged-in client per role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from dangjian.dues import ledger, services
from dangjian.members.tests.factories import MemberFactory

M = lambda y, m: dt.date(y, m, 1)  # noqa: E731
D = dt.date


@pytest.fixture
def login(client, make_user):
    """login(role, org) → the client, logged in as a fresh user holding `role` at `org`."""

    def do(role=None, org=None, also=()):
        user = make_user(role, org)
        role_assignment = apps.get_model("accounts", "RoleAssignment")
        for extra_role, extra_org in also:
            role_assignment.objects.create(user=user, role=extra_role, org=extra_org)
        client.force_login(user)
        client.user = user
        return client

    return do


@pytest.fixture
def calendar_2024(tree, make_user):
    """甲局第一党支部 in 2024 (bases 4,000 元: 1 % → 40 元 a month):
    - 张三 pays Q1 on 03-20, Q2 on 07-02 (late, a 补交), Q3 on 09-10, Q4 on 12-10;
    - 李四 pays each quarter within it (03-20, 06-15, 09-10, 12-10);
    - 王五 has no 2024 base (his 2023 one carries), pays 01–06 on 06-20 (Q1 late, a 补交),
      07–08 on 08-20, then nothing (09–12 unpaid).
    Hand-overs to 甲局机关党委: Q1 remitted and confirmed, Q2 remitted not confirmed, Q3 none.
    乙局第一党支部: 赵六, base 2,000 元 (0.5 % → 10 元), pays nothing in 2024."""
    secretary = make_user("branch_secretary", tree.branch_a)
    unit = make_user("unit_admin", tree.unit_a)
    people = {
        n: MemberFactory(org=tree.branch_a, name=n, joined_on=D(2010, 7, 1))
        for n in ("张三", "李四", "王五")
    }
    for name in ("张三", "李四"):
        services.save_base(secretary, people[name], year=2024, from_month=1, **_base())
    services.save_base(secretary, people["王五"], year=2023, from_month=1, **_base())
    ledger.generate_through(M(2024, 12))

    def pay(name, first, last, paid_on):
        months = services.months_between(first, last)
        services.record_payment(
            secretary,
            people[name],
            paid_on=paid_on,
            from_month=first,
            to_month=last,
            amount=str(40 * months),
            method="cash",
        )

    for name, q1, q2, q3, q4 in (
        ("张三", D(2024, 3, 20), D(2024, 7, 2), D(2024, 9, 10), D(2024, 12, 10)),
        ("李四", D(2024, 3, 20), D(2024, 6, 15), D(2024, 9, 10), D(2024, 12, 10)),
    ):
        for quarter, paid_on in enumerate((q1, q2, q3, q4)):
            pay(name, M(2024, 3 * quarter + 1), M(2024, 3 * quarter + 3), paid_on)
    pay("王五", M(2024, 1), M(2024, 6), D(2024, 6, 20))
    pay("王五", M(2024, 7), M(2024, 8), D(2024, 8, 20))
    q1 = services.record_remittance(
        secretary,
        tree.branch_a,
        from_month=M(2024, 1),
        to_month=M(2024, 3),
        amount="240",
        remitted_on=D(2024, 4, 5),
    )
    services.confirm_remittance(unit, q1, D(2024, 4, 8))
    services.record_remittance(
        secretary,
        tree.branch_a,
        from_month=M(2024, 4),
        to_month=M(2024, 6),
        amount="480",
        remitted_on=D(2024, 7, 5),
    )
    zhao = MemberFactory(org=tree.branch_b, name="赵六", joined_on=D(2012, 7, 1))
    other = make_user("branch_secretary", tree.branch_b)
    services.save_base(other, zhao, year=2024, from_month=1, **_base(base="2000"))
    ledger.generate_through(M(2024, 12))
    people["赵六"] = zhao
    return tree, people


def _base(base: str = "4000") -> dict:
    return {"category": "in_service", "base": base, "reviewed_on": D(2024, 1, 5)}
