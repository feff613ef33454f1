"""A branch with members (one linked to a member account), and the admins who open accounts."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from dangjian.core.scoping import SYSTEM
from dangjian.members.tests.factories import MemberFactory


def open_for(members, org=None, actor=SYSTEM):
    """Open accounts for `members` (the service, as the operator unless told): the slips."""
    from dangjian.selfservice import services

    return services.open_accounts(actor, within=org, member_ids=[m.pk for m in members])


@pytest.fixture
def people(tree, make_user):
    """甲局第一党支部 (three members, one in its 党小组) and 乙局第一党支部 (one member);
    the secretary of the first branch, the unit admin of 甲局, the secretary of 乙局."""
    return SimpleNamespace(
        a1=MemberFactory(org=tree.branch_a, name="林晓甲", joined_on=dt.date(2001, 7, 1)),
        a2=MemberFactory(org=tree.branch_a, name="张伟"),
        g1=MemberFactory(org=tree.group_a, name="周组员"),
        b1=MemberFactory(org=tree.branch_b, name="郑乙支"),
        secretary=make_user("branch_secretary", tree.branch_a, display_name="甲支书"),
        unit_admin=make_user("unit_admin", tree.unit_a, display_name="甲局管理员"),
        other_secretary=make_user("branch_secretary", tree.branch_b, display_name="乙支书"),
    )
