"""Member inactivity (党章 第九条): 4-month warning, 6-month alert, exemptions respected."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from dangjian.activities.models import Activity, Participation
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Exemption, Member, Transfer
from dangjian.rules import inactivity
from dangjian.rules.models import RuleExemption

D = dt.date
DAY = D(2025, 7, 31)
_n = itertools.count(1)


JOINED = D(2010, 7, 1)


def person(org, joined_on=JOINED, **fields) -> Member:
    return Member.objects.create(
        org=org, name=f"党员{next(_n):03d}", gender="male", joined_on=joined_on, **fields
    )


def attended(member, day, status="attended", org=None) -> Participation:
    activity = Activity.objects.create(
        org=org or member.org, kind="theme_day", title=f"主题党日 {day}", held_on=day
    )
    return Participation.objects.create(activity=activity, member=member, status=status)


def flagged(day=DAY, user=SYSTEM, within=None) -> dict[int, inactivity.InactiveMember]:
    return {m.member_id: m for m in inactivity.find_inactive(user, day, within)}


@pytest.fixture
def branch(tree):
    return tree.branch_a


def test_levels_at_exactly_four_and_six_months(branch):
    fresh = person(branch)
    attended(fresh, D(2025, 4, 1))  # 3 months 30 days before 31 July
    four = person(branch)
    attended(four, D(2025, 3, 31))  # exactly 4 months
    six = person(branch)
    attended(six, D(2025, 1, 31))  # exactly 6 months
    five = person(branch)
    attended(five, D(2025, 2, 1))  # 5 months and 30 days
    rows = flagged()
    assert fresh.pk not in rows
    assert rows[four.pk].level == inactivity.WARNING
    assert rows[five.pk].level == inactivity.WARNING
    assert rows[six.pk].level == inactivity.ALERT
    assert rows[six.pk].last_attended == D(2025, 1, 31)
    assert rows[six.pk].inactive_since == D(2025, 1, 31)
    assert rows[six.pk].org_path == branch.path


def test_only_attendance_counts(branch):
    m = person(branch)
    attended(m, D(2025, 1, 10))
    attended(m, D(2025, 6, 10), status="leave")
    attended(m, D(2025, 7, 10), status="absent")
    row = flagged()[m.pk]
    assert row.level == inactivity.ALERT and row.last_attended == D(2025, 1, 10)


def test_later_activities_do_not_count_for_an_earlier_day(branch):
    m = person(branch)
    attended(m, D(2025, 1, 10))
    attended(m, D(2025, 9, 1))
    assert flagged()[m.pk].last_attended == D(2025, 1, 10)
    assert m.pk not in flagged(D(2025, 9, 30))


def test_never_attended_counts_from_joining(branch):
    old = person(branch, joined_on=D(2024, 1, 1))
    new = person(branch, joined_on=D(2025, 5, 1))
    future = person(branch, joined_on=D(2025, 8, 15))
    rows = flagged()
    assert rows[old.pk].level == inactivity.ALERT and rows[old.pk].last_attended is None
    assert new.pk not in rows
    assert future.pk not in rows


def test_attendance_in_another_org_counts(tree, branch):
    m = person(branch)
    attended(m, D(2025, 6, 1), org=tree.unit_a)
    assert m.pk not in flagged()


def test_exemption_covering_the_day_is_not_flagged(branch):
    exempt_open = person(branch)
    Exemption.objects.create(member=exempt_open, reason="elderly_infirm", starts_on=D(2024, 1, 1))
    exempt_until = person(branch)
    Exemption.objects.create(
        member=exempt_until, reason="long_absence", starts_on=D(2024, 1, 1), ends_on=DAY
    )
    rows = flagged()
    assert exempt_open.pk not in rows and exempt_until.pk not in rows


def test_exemption_that_ended_restarts_the_clock(branch):
    m = person(branch)
    attended(m, D(2024, 6, 1))
    Exemption.objects.create(
        member=m, reason="long_absence", starts_on=D(2024, 7, 1), ends_on=D(2025, 5, 31)
    )
    assert m.pk not in flagged()  # two months since the exemption ended
    row = flagged(D(2025, 10, 1))[m.pk]
    assert row.level == inactivity.WARNING and row.inactive_since == D(2025, 5, 31)
    assert flagged(D(2025, 12, 1))[m.pk].level == inactivity.ALERT


def test_internal_transfer_keeps_the_clock(tree, branch):
    """党章 第九条's six months are the member's, not the branch's: two members at "alert"
    who move between branches on 07-01 are still at "alert" on 07-11 (issue 11)."""
    from dangjian.members import services

    movers = [person(tree.branch_b, joined_on=D(2015, 1, 1)) for _ in range(2)]
    for m in movers:
        attended(m, D(2023, 12, 1))
    before = flagged(D(2024, 6, 30))
    assert all(before[m.pk].level == inactivity.ALERT for m in movers)
    for m in movers:
        services.transfer_member(SYSTEM, m, branch, D(2024, 7, 1))
    after = flagged(D(2024, 7, 11))
    for m in movers:
        assert after[m.pk].level == inactivity.ALERT
        assert after[m.pk].inactive_since == D(2023, 12, 1)
        assert after[m.pk].org_id == branch.pk  # flagged where they are now


def test_arrival_from_outside_the_system_starts_the_clock(tree, branch):
    """Only a member who arrives from outside (no source org in the tree) starts at arrival."""
    m = person(branch, joined_on=D(2015, 1, 1))
    Transfer.objects.create(
        member=m,
        from_org=None,
        to_org=branch,
        external_org_name="外省某局机关党委",
        transferred_on=D(2025, 6, 1),
    )
    assert m.pk not in flagged()
    assert flagged(D(2025, 10, 1))[m.pk].inactive_since == D(2025, 6, 1)
    assert flagged(D(2025, 12, 1))[m.pk].level == inactivity.ALERT


def test_rule_exemption_for_member_or_org(tree, branch):
    m = person(branch)
    other = person(branch)
    RuleExemption.objects.create(
        org=branch,
        member=m,
        rule_id=inactivity.RULE_ID,
        starts_on=D(2025, 1, 1),
        expires_on=D(2025, 12, 31),
        reason="援疆",
        approved_by="甲局机关党委",
    )
    rows = flagged()
    assert m.pk not in rows and other.pk in rows
    assert m.pk in flagged(D(2026, 1, 31))  # the approval lapsed
    b = person(tree.branch_b)
    RuleExemption.objects.create(
        org=tree.branch_b,
        rule_id=inactivity.RULE_ID,
        starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31),
        reason="整建制外派",
        approved_by="乙局机关党委",
    )
    assert b.pk not in flagged()
    RuleExemption.objects.create(
        org=branch,
        member=other,
        rule_id="branch.theme_day.monthly",
        starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31),
        reason="另一规则",
        approved_by="甲局机关党委",
    )
    assert other.pk in flagged()  # an exemption from another rule does not count


def test_only_normal_membership(branch):
    person(branch, membership="transferred_out")
    person(branch, membership="deceased")
    assert flagged() == {}


def test_scoped(tree, make_user):
    a = person(tree.branch_a)
    b = person(tree.branch_b)
    admin = make_user("unit_admin", tree.unit_a)
    assert set(flagged(user=admin)) == {a.pk}
    assert set(flagged(within=tree.unit_b)) == {b.pk}


def test_one_query_whatever_the_number_of_members(branch, django_assert_num_queries):
    for i in range(6):
        m = person(branch)
        attended(m, D(2025, 1, 1) + dt.timedelta(days=30 * i))
    with django_assert_num_queries(1):
        rows = inactivity.find_inactive(SYSTEM, DAY)
    assert len(rows) == 3  # January to March: ≥ 4 months; April on: fewer


def test_citation_is_party_constitution_article_nine():
    text = inactivity.citation()
    assert "《中国共产党章程》第九条" in text
    assert "连续六个月不参加党的组织生活" in text
    assert "（已核实）" in text


def test_level_for_counts_calendar_months_with_month_end_clamping():
    assert inactivity.level_for(D(2025, 2, 28), D(2025, 6, 30)) == inactivity.WARNING
    # 31 December + 6 months = 30 June (no 31 June): six full months on 30 June
    assert inactivity.level_for(D(2024, 12, 31), D(2025, 6, 30)) == inactivity.ALERT
    assert inactivity.level_for(D(2024, 12, 31), D(2025, 6, 29)) == inactivity.WARNING
    assert inactivity.level_for(D(2025, 3, 1), D(2025, 6, 30)) is None
    assert inactivity.level_for(D(2025, 3, 1), D(2025, 7, 1)) == inactivity.WARNING
    # 31 October + 4 months = 28 February
    assert inactivity.level_for(D(2024, 10, 31), D(2025, 2, 28)) == inactivity.WARNING
    assert inactivity.level_for(D(2024, 10, 31), D(2025, 2, 27)) is None


def test_month_end_start_is_flagged_in_sql_too(branch):
    m = person(branch)
    attended(m, D(2024, 12, 31))
    assert flagged(D(2025, 6, 30))[m.pk].level == inactivity.ALERT
    assert flagged(D(2025, 6, 29))[m.pk].level == inactivity.WARNING
