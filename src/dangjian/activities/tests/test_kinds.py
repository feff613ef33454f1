"""The registry of which org kinds may hold which activity kinds."""

from __future__ import annotations

import pytest

from dangjian.activities import kinds
from dangjian.activities.models import ActivityKind
from dangjian.orgs.models import OrgKind

from .conftest import DAY, make_members

pytestmark = pytest.mark.django_db


def test_every_kind_has_a_holder():
    held = {k for ks in kinds.BY_ORG_KIND.values() for k in ks}
    assert held == set(ActivityKind.values)
    assert set(kinds.BY_ORG_KIND) == set(OrgKind.values)


def test_group_meeting_only_for_party_groups(tree):
    assert "group_meeting" in kinds.allowed_kinds(tree.group_a, DAY)
    for org in (tree.branch_a, tree.unit_a, tree.root):
        assert "group_meeting" not in kinds.allowed_kinds(org, DAY)
    assert "只能由党小组召开" in kinds.kind_error(tree.branch_a, "group_meeting", DAY)


def test_central_group_study_for_the_leading_group(tree):
    # 乙局 has no 党组 node: its unit-level org stands in
    assert "central_group_study" in kinds.allowed_kinds(tree.unit_b, DAY)
    lg = tree.unit_a.add_child(kind=OrgKind.LEADING_GROUP, name="甲局党组")
    tree.unit_a.refresh_from_db()
    assert "central_group_study" in kinds.allowed_kinds(lg, DAY)
    assert "central_group_study" not in kinds.allowed_kinds(tree.unit_a, DAY)
    assert "central_group_study" not in kinds.allowed_kinds(tree.branch_a, DAY)
    assert kinds.attendee_pool(lg) == tree.unit_a
    assert "党组" in kinds.kind_error(tree.branch_a, "central_group_study", DAY)


def test_committee_meeting_needs_a_committee(tree):
    make_members(tree.branch_a, 6)
    assert "committee_meeting" not in kinds.allowed_kinds(tree.branch_a, DAY)
    assert "不足 7 人" in kinds.kind_error(tree.branch_a, "committee_meeting", DAY)
    make_members(tree.group_a, 1)  # members of its 党小组 are the branch's members
    assert "committee_meeting" in kinds.allowed_kinds(tree.branch_a, DAY)
    assert "committee_meeting" in kinds.allowed_kinds(tree.unit_a, DAY)  # 机关党委
    assert "committee_meeting" not in kinds.allowed_kinds(tree.group_a, DAY)


def test_unknown_kind():
    assert "不是有效的活动类型" in kinds.kind_error(None, "party", DAY)
