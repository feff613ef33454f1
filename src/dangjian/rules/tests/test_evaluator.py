"""The evaluator on hand-computed calendars (issue 3, Correctness)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import OrgKind
from dangjian.rules.evaluator import Status, evaluate
from dangjian.rules.loader import get_rule

from .helpers import act, exempt, member

D = dt.date
AFTER_2024 = D(2025, 1, 15)  # evaluate 2024 as a finished year
C, N, E, NA, DUE = (
    Status.COMPLIANT,
    Status.NONCOMPLIANT,
    Status.EXEMPT,
    Status.NOT_APPLICABLE,
    Status.NOT_DUE,
)


def run(rule_id: str, *, year=2024, today=AFTER_2024, user=SYSTEM, within=None):
    return evaluate(user, year, within=within, rules=[get_rule(rule_id)], today=today)


def by_period(evaluation, org) -> dict[str, object]:
    return {c.period.key: c for c in evaluation.cells if c.org_id == org.pk}


def statuses(evaluation, org) -> list[str]:
    return [
        c.status for c in sorted(by_period(evaluation, org).values(), key=lambda c: c.period.start)
    ]


@pytest.mark.django_db
def test_meetings_on_last_and_first_day_of_adjacent_months(tree):
    act(tree.group_a, "group_meeting", D(2024, 1, 31))
    act(tree.group_a, "group_meeting", D(2024, 2, 1))
    act(tree.group_a, "group_meeting", D(2024, 3, 31))
    act(tree.group_a, "group_meeting", D(2024, 5, 1))
    cells = by_period(run("group.group_meeting.monthly"), tree.group_a)
    assert cells["2024-01"].status == C and cells["2024-01"].count == 1
    assert cells["2024-02"].status == C and cells["2024-02"].count == 1
    assert cells["2024-03"].status == C
    assert cells["2024-04"].status == N and cells["2024-04"].count == 0
    assert cells["2024-05"].status == C
    assert [cells[f"2024-{m:02d}"].status for m in range(6, 13)] == [N] * 7


@pytest.mark.django_db
def test_quarter_with_two_assemblies_in_one_month_and_none_in_the_next(tree):
    # Two in March (Q1's last month), none in April (Q2's first month) nor later in Q2.
    act(tree.branch_a, "member_assembly", D(2024, 3, 5))
    act(tree.branch_a, "member_assembly", D(2024, 3, 28))
    act(tree.branch_a, "member_assembly", D(2024, 7, 1))
    act(tree.branch_a, "member_assembly", D(2024, 12, 31))
    cells = by_period(run("branch.member_assembly.quarterly"), tree.branch_a)
    assert (cells["2024-Q1"].status, cells["2024-Q1"].count) == (C, 2)
    assert (cells["2024-Q2"].status, cells["2024-Q2"].count) == (N, 0)
    assert (cells["2024-Q3"].status, cells["2024-Q4"].status) == (C, C)


@pytest.mark.django_db
def test_life_meeting_outside_q4_is_compliant_with_a_warning(tree):
    act(tree.branch_a, "life_meeting", D(2024, 5, 20))  # Q2
    act(tree.branch_b, "life_meeting", D(2024, 10, 1))  # Q4's first day
    ev = run("branch.life_meeting.yearly")
    a = by_period(ev, tree.branch_a)["2024"]
    b = by_period(ev, tree.branch_b)["2024"]
    assert a.status == C and a.warning == "未在第四季度召开"
    assert b.status == C and b.warning == ""
    summary = ev.summaries()["branch.life_meeting.yearly"]
    assert summary.rate == 1.0 and summary.warnings == 1


@pytest.mark.django_db
def test_life_meeting_missing_all_year_is_noncompliant(tree):
    act(tree.branch_a, "life_meeting", D(2023, 12, 28))  # the year before does not count
    assert by_period(run("branch.life_meeting.yearly"), tree.branch_a)["2024"].status == N


@pytest.mark.django_db
def test_exemption_covering_part_of_a_period(tree):
    rule = "branch.member_assembly.quarterly"
    # 15 May – 10 August: the end of Q2 and the start of Q3.
    exempt(tree.branch_a, rule, D(2024, 5, 15), D(2024, 8, 10))
    act(tree.branch_a, "member_assembly", D(2024, 8, 20))  # Q3 met anyway
    cells = by_period(run(rule), tree.branch_a)
    assert cells["2024-Q1"].status == N  # not covered
    assert cells["2024-Q2"].status == E  # partly covered, not met → exempt
    assert cells["2024-Q3"].status == C  # partly covered, met → compliant
    assert cells["2024-Q4"].status == N
    # Exempt cells are left out of the rate: 1 compliant of 3 judged.
    assert run(rule, within=tree.branch_a).summaries()[rule].rate == pytest.approx(1 / 3)


@pytest.mark.django_db
def test_monthly_exemption_boundaries_and_expiry(tree):
    rule = "branch.theme_day.monthly"
    # Covers 30 June – 1 July: both months touched. Expired approval cuts the period short.
    exempt(tree.branch_a, rule, D(2024, 6, 30), D(2024, 7, 1))
    exempt(tree.branch_a, rule, D(2024, 9, 1), D(2024, 12, 31), expires_on=D(2024, 9, 30))
    exempt(tree.branch_b, rule, D(2024, 3, 1), D(2024, 3, 31))  # another org's exemption
    ev = run(rule)
    assert statuses(ev, tree.branch_a) == [N, N, N, N, N, E, E, N, E, N, N, N]
    assert statuses(ev, tree.branch_b)[2] == E and statuses(ev, tree.branch_b)[3] == N


@pytest.mark.django_db
def test_member_exemption_does_not_excuse_the_org(tree):
    rule = "branch.theme_day.monthly"
    someone = member(tree.branch_a, full_on=D(2015, 1, 1))
    exempt(tree.branch_a, rule, D(2024, 1, 1), D(2024, 12, 31), member=someone)
    assert set(statuses(run(rule), tree.branch_a)) == {N}


@pytest.mark.django_db
def test_committee_rule_applies_from_the_month_of_the_seventh_full_member(tree):
    rule = "branch.committee_meeting.monthly"
    for _ in range(5):
        member(tree.branch_a, full_on=D(2020, 1, 1))
    member(tree.group_a, full_on=D(2021, 6, 1))  # the 党小组 is in the branch's subtree
    member(tree.branch_a, full_on=None, joined_on=D(2023, 12, 1))  # probationary: not counted
    member(tree.branch_a, full_on=D(2019, 1, 1), membership="transferred_out")  # gone
    member(tree.branch_a, full_on=D(2024, 6, 15), joined_on=D(2023, 6, 15))  # the 7th, mid-June
    act(tree.branch_a, "committee_meeting", D(2024, 3, 10))  # before it applies: ignored
    for month in (6, 7, 9, 10, 11, 12):
        act(tree.branch_a, "committee_meeting", D(2024, month, 20))
    cells = by_period(run(rule), tree.branch_a)
    for month in range(1, 6):
        cell = cells[f"2024-{month:02d}"]
        assert cell.status == NA and "不足 7 人" in cell.reason
    assert [cells[f"2024-{m:02d}"].status for m in range(6, 13)] == [C, C, N, C, C, C, C]


@pytest.mark.django_db
def test_periods_after_today_are_not_due(tree):
    act(tree.branch_a, "theme_day", D(2024, 5, 8))
    ev = run("branch.theme_day.monthly", today=D(2024, 5, 10))
    st = statuses(ev, tree.branch_a)
    assert st[:4] == [N, N, N, N]
    assert st[4] == C  # the running month, already met
    assert st[5:] == [DUE] * 7
    ev = run("branch.theme_day.monthly", today=D(2024, 6, 30))
    assert statuses(ev, tree.branch_a)[5] == DUE  # the month's last day is still running
    quarter = by_period(
        run("branch.member_assembly.quarterly", today=D(2024, 5, 10)), tree.branch_a
    )
    assert quarter["2024-Q2"].status == DUE and quarter["2024-Q1"].status == N


@pytest.mark.django_db
def test_orgs_that_did_not_exist_for_the_whole_period(tree):
    late = tree.unit_b.add_child(
        kind=OrgKind.BRANCH, name="新设支部", established_on=D(2024, 3, 10)
    )
    gone = tree.unit_b.add_child(kind=OrgKind.BRANCH, name="撤销支部", established_on=D(2010, 1, 1))
    type(gone).objects.filter(pk=gone.pk).update(status="dissolved", dissolved_on=D(2024, 8, 31))
    ev = run("branch.theme_day.monthly")
    assert statuses(ev, late)[:3] == [NA] * 3 and statuses(ev, late)[3] == N
    # Dissolved on 31 August: gone on that day, so August is not a whole month of existence.
    assert statuses(ev, gone)[:7] == [N] * 7 and statuses(ev, gone)[7:] == [NA] * 5
    yearly = run("branch.life_meeting.yearly")
    assert statuses(yearly, late) == [NA] and statuses(yearly, gone) == [NA]


@pytest.mark.django_db
def test_first_topic_rule_checks_every_study_session(tree):
    rule = "local.leading_group.first_topic"
    leading = tree.unit_a.add_child(kind=OrgKind.LEADING_GROUP, name="甲局党组")
    act(leading, "central_group_study", D(2024, 1, 9), first_topic=True)
    act(leading, "central_group_study", D(2024, 2, 6), first_topic=True)
    act(leading, "central_group_study", D(2024, 2, 27), first_topic=False)
    cells = by_period(run(rule), leading)
    assert cells["2024-01"].status == C
    assert cells["2024-02"].status == N and cells["2024-02"].reason == "1 次活动缺少第一议题"
    assert cells["2024-03"].status == NA  # no session to check


@pytest.mark.django_db
def test_scope_limits_the_orgs(tree, make_user):
    act(tree.branch_a, "theme_day", D(2024, 1, 5))
    viewer = make_user("viewer", tree.unit_a)
    ev = run("branch.theme_day.monthly", user=viewer)
    assert {c.org_id for c in ev.cells} == {tree.branch_a.pk}
    assert run("branch.theme_day.monthly", user=make_user("audit_admin")).cells == []
    within = run("branch.theme_day.monthly", within=tree.unit_b)
    assert {c.org_id for c in within.cells} == {tree.branch_b.pk}


@pytest.mark.django_db
def test_one_query_per_rule_whatever_the_number_of_orgs(tree):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            evaluate(SYSTEM, 2024, today=AFTER_2024)
        return len(ctx.captured_queries)

    member(tree.branch_a, full_on=D(2020, 1, 1))
    before = count()
    for i in range(5):
        branch = tree.unit_b.add_child(kind=OrgKind.BRANCH, name=f"支部{i}")
        group = branch.add_child(kind=OrgKind.PARTY_GROUP, name=f"小组{i}")
        member(group, full_on=D(2020, 1, 1))
        act(branch, "theme_day", D(2024, 4, 1))
        act(group, "group_meeting", D(2024, 4, 1))
    assert count() == before
