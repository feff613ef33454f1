"""The 支委会 condition counts full members where they were on each day (issue 11): the
evaluator and recording use one transfer-aware count (activities.full_members)."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.activities import kinds
from dangjian.activities.full_members import full_members_on
from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import SYSTEM
from dangjian.members import services
from dangjian.rules import evaluator
from dangjian.rules.evaluator import Status, evaluate
from dangjian.rules.loader import get_rule
from dangjian.rules.periods import month_end

from .helpers import act, member

D = dt.date
RULE = "branch.committee_meeting.monthly"
pytestmark = pytest.mark.django_db


@pytest.fixture
def arrivals(tree):
    """branch_a: 5 full members all year; two full members of branch_b move in on 2024-07-01."""
    for _ in range(5):
        member(tree.branch_a, full_on=D(2020, 1, 1))
    movers = [member(tree.branch_b, full_on=D(2020, 1, 1)) for _ in range(2)]
    for m in movers:
        services.transfer_member(SYSTEM, m, tree.branch_a, D(2024, 7, 1))
    return movers


def test_committee_rule_counts_members_where_they_were(tree, arrivals):
    for month in range(7, 13):
        act(tree.branch_a, "committee_meeting", D(2024, month, 10))
    ev = evaluate(SYSTEM, 2024, rules=[get_rule(RULE)], today=D(2025, 1, 15))
    cells = {c.period.key: c for c in ev.cells if c.org_id == tree.branch_a.pk}
    for month in range(1, 7):  # five full members then: no committee, nothing to miss
        cell = cells[f"2024-{month:02d}"]
        assert cell.status == Status.NOT_APPLICABLE and "不足 7 人" in cell.reason
    assert [cells[f"2024-{m:02d}"].status for m in range(7, 13)] == [Status.COMPLIANT] * 6


def test_recording_and_the_evaluator_agree_on_every_month_end(tree, arrivals):
    assert not kinds.has_committee(tree.branch_a, D(2024, 5, 20))  # a May 支委会 is refused
    assert kinds.kind_error(tree.branch_a, "committee_meeting", D(2024, 5, 20))
    assert kinds.has_committee(tree.branch_a, D(2024, 7, 1))  # they count from arrival day
    assert kinds.kind_error(tree.branch_a, "committee_meeting", D(2024, 7, 20)) is None
    counts = evaluator.full_member_counts(path_prefix_q("org__path", tree.root.path), 2024)
    for month in range(1, 13):
        day = month_end(2024, month)
        for org in (tree.branch_a, tree.branch_b, tree.unit_a, tree.root):
            assert counts[org.path][month - 1] == full_members_on(org, day), (org, month)
        assert full_members_on(tree.branch_a, day) == (5 if month < 7 else 7)
        assert full_members_on(tree.branch_b, day) == (2 if month < 7 else 0)
        assert full_members_on(tree.root, day) == 7  # the city never lost anyone


def test_arrivals_from_outside_and_departures_count_only_while_in_the_tree(tree):
    stay = member(tree.branch_a, full_on=D(2020, 1, 1))
    gone = member(tree.branch_a, full_on=D(2020, 1, 1))
    services.transfer_member(SYSTEM, gone, None, D(2024, 4, 1), external_org_name="外省某局")
    came, _t = services.receive_member(
        SYSTEM,
        arrived_on=D(2024, 9, 1),
        external_org_name="外省某厅",
        org=tree.branch_a,
        name="外来",
        gender="male",
        joined_on=D(2010, 1, 1),
        full_member_on=D(2011, 1, 1),
        status="full",
    )
    assert stay and came
    expected = {3: 2, 4: 1, 8: 1, 9: 2}
    counts = evaluator.full_member_counts(path_prefix_q("org__path", tree.root.path), 2024)
    for month, n in expected.items():
        assert full_members_on(tree.branch_a, month_end(2024, month)) == n, month
        assert counts[tree.branch_a.path][month - 1] == n, month
