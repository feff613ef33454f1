"""A transfer's 党费交至 from the ledger when left blank; a typed month is kept."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.dues import ledger, services
from dangjian.members import services as member_services
from dangjian.members.tests.factories import MemberFactory

M = lambda y, m: dt.date(y, m, 1)  # noqa: E731


@pytest.fixture
def member(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    person = MemberFactory(org=tree.branch_a, name="张三", joined_on=dt.date(2010, 7, 1))
    services.save_base(
        secretary,
        person,
        year=2024,
        from_month=1,
        category="in_service",
        base="4000",
        reviewed_on=dt.date(2024, 1, 5),
    )
    ledger.generate_through(M(2024, 12))
    services.record_payment(
        secretary,
        person,
        paid_on=dt.date(2024, 6, 20),
        from_month=M(2024, 1),
        to_month=M(2024, 6),
        amount="240",
        method="cash",
    )
    return make_user("unit_admin", tree.unit_a), secretary, person


def test_blank_takes_the_month_before_the_first_unpaid(member, tree):
    admin, _secretary, person = member
    transfer = member_services.transfer_member(
        admin, person, None, dt.date(2024, 9, 1), external_org_name="外市某局党支部"
    )
    assert transfer.dues_paid_until == "2024-06"


def test_a_typed_month_is_kept(member, tree):
    admin, _secretary, person = member
    transfer = member_services.transfer_member(
        admin,
        person,
        tree.branch_a.get_parent().add_child(kind="branch", name="新支部"),
        dt.date(2024, 9, 1),
        dues_paid_until="2024-08",
    )
    assert transfer.dues_paid_until == "2024-08"


def test_all_paid_gives_the_last_month_and_no_ledger_gives_nothing(member, tree):
    from dangjian.dues.receivers import paid_until

    _admin, secretary, person = member
    services.record_payment(
        secretary,
        person,
        paid_on=dt.date(2024, 12, 20),
        from_month=M(2024, 7),
        to_month=M(2024, 12),
        amount="240",
        method="cash",
    )
    assert paid_until(person.pk) == "2024-12"
    assert paid_until(MemberFactory(org=tree.branch_a).pk) == ""
