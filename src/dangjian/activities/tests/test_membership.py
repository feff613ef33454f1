"""members_at: who was in a subtree on a day, from the transfer history, in one query."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.activities.membership import members_at
from dangjian.core.scoping import SYSTEM
from dangjian.members import services as member_services

from .conftest import make_member

pytestmark = pytest.mark.django_db


def test_members_on_a_day_from_the_history(branch, tree, django_assert_num_queries):
    """Stayed, left later (to another subtree or out), arrived later, arrived earlier, joined
    later: each on the right side of the day, for the branch and for its unit."""
    day = dt.date(2024, 5, 10)
    left_out, left_across, moved_inside = branch.direct[3], branch.direct[4], branch.direct[2]
    member_services.transfer_member(
        SYSTEM, left_out, None, dt.date(2024, 8, 1), external_org_name="外省某支部"
    )
    member_services.transfer_member(SYSTEM, left_across, tree.branch_b, dt.date(2024, 8, 1))
    member_services.transfer_member(SYSTEM, moved_inside, tree.group_a, dt.date(2024, 8, 1))
    arrived_later = make_member(tree.branch_b, "后转入")
    member_services.transfer_member(SYSTEM, arrived_later, tree.branch_a, dt.date(2024, 9, 1))
    arrived_earlier = make_member(tree.branch_b, "早转入")
    member_services.transfer_member(SYSTEM, arrived_earlier, tree.branch_a, dt.date(2024, 3, 1))
    make_member(tree.branch_a, "后入党", joined_on=dt.date(2024, 6, 1))

    expected = {m.pk for m in branch.everyone} | {arrived_earlier.pk}
    with django_assert_num_queries(1):
        assert set(members_at(tree.branch_a, day).values_list("pk", flat=True)) == expected
    # The unit holds the branch and 乙局's branch is elsewhere: moving across units counts as
    # leaving for 甲局's unit too; arriving from 乙局 later does not count before the move.
    in_unit = set(members_at(tree.unit_a, day).values_list("pk", flat=True))
    assert in_unit == expected
    # After the moves: the leavers are gone, the newcomers are in.
    after = set(members_at(tree.branch_a, dt.date(2024, 10, 1)).values_list("pk", flat=True))
    assert left_out.pk not in after and left_across.pk not in after
    assert {arrived_later.pk, moved_inside.pk} <= after
