"""待办 (rules.todo) and the evaluator's three states on hand-computed calendars.

"Met", "not yet due" (the current period, in progress) and "missed" are told apart; the
current period is never shown as met; the set-based 待办 equals a naive per-org loop; its
query count does not grow with the orgs; a secretary sees only her branch.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import OrgKind
from dangjian.rules import heatmap, todo
from dangjian.rules.evaluator import Status, evaluate
from dangjian.rules.loader import get_rule, load_library

from .helpers import act, exempt, member

D = dt.date
pytestmark = pytest.mark.django_db

QUARTERLY = "branch.member_assembly.quarterly"
MONTHLY = "branch.theme_day.monthly"
YEARLY = "branch.life_meeting.yearly"
GROUP = "group.group_meeting.monthly"
COMMITTEE = "branch.committee_meeting.monthly"
# The local fixed-day rule, switched on with its day set to the 5th.
FIXED = load_library(params={"local.theme_day.fixed_day": {"day_of_month": 5}}).get(
    "local.theme_day.fixed_day"
)


def rules(*ids):
    return [FIXED if i == FIXED.id else get_rule(i) for i in ids]


def items_of(result: todo.Todo, org) -> dict[tuple[str, str], todo.Item]:
    """{(rule id, period key): item} of one org."""
    entry = next((o for o in result.orgs if o.org.id == org.pk), None)
    return {} if entry is None else {(i.rule.id, i.period.key): i for i in entry.items}


# --- the evaluator's states ---------------------------------------------------------------


def test_quarterly_rule_on_15_november_q4_in_progress_due_31_december(tree):
    act(tree.branch_a, "member_assembly", D(2026, 5, 6))  # Q2 met; Q1 and Q3 missed
    today = D(2026, 11, 15)
    ev = evaluate(SYSTEM, 2026, rules=rules(QUARTERLY), today=today)
    cells = {c.period.key: c for c in ev.cells if c.org_id == tree.branch_a.pk}
    q4 = cells["2026-Q4"]
    assert q4.status == Status.NOT_DUE and q4.in_progress
    assert q4.due_on == D(2026, 12, 31)
    assert q4.reason == "进行中，应于12月31日前完成"
    assert [cells[f"2026-Q{q}"].status for q in (1, 2, 3)] == [
        Status.NONCOMPLIANT,
        Status.COMPLIANT,
        Status.NONCOMPLIANT,
    ]
    # The 待办: Q4 due by 31 December (46 days: not yet the last third), Q3 overdue (the
    # previous quarter), Q1 not listed (two periods back), Q2 met long ago: not listed.
    got = items_of(todo.compute(SYSTEM, today, rules=rules(QUARTERLY)), tree.branch_a)
    assert set(got) == {(QUARTERLY, "2026-Q4"), (QUARTERLY, "2026-Q3")}
    q4_item, q3_item = got[(QUARTERLY, "2026-Q4")], got[(QUARTERLY, "2026-Q3")]
    assert (q4_item.state, q4_item.due_on, q4_item.days_left) == (todo.DUE, D(2026, 12, 31), 46)
    assert not q4_item.at_risk
    assert q4_item.note == "12月31日前完成（还有 46 天）"
    assert (q3_item.state, q3_item.due_on, q3_item.current) == (todo.OVERDUE, D(2026, 9, 30), False)
    # 29 days before the deadline the quarter is in its last third: at risk.
    later = items_of(todo.compute(SYSTEM, D(2026, 12, 2), rules=rules(QUARTERLY)), tree.branch_a)
    assert later[(QUARTERLY, "2026-Q4")].at_risk


def test_monthly_rule_with_nothing_recorded_by_the_10th_is_due_not_missed(tree):
    act(tree.branch_a, "theme_day", D(2026, 10, 20))
    today = D(2026, 11, 10)
    ev = evaluate(SYSTEM, 2026, rules=rules(MONTHLY), today=today)
    cells = {c.period.key: c for c in ev.cells if c.org_id == tree.branch_a.pk}
    assert cells["2026-11"].status == Status.NOT_DUE
    assert cells["2026-11"].due_on == D(2026, 11, 30)
    assert cells["2026-12"].status == Status.NOT_DUE and not cells["2026-12"].in_progress
    assert cells["2026-12"].reason == "尚未开始"
    assert cells["2026-10"].status == Status.COMPLIANT
    got = items_of(todo.compute(SYSTEM, today, rules=rules(MONTHLY)), tree.branch_a)
    assert list(got) == [(MONTHLY, "2026-11")]  # October met: nothing overdue
    item = got[(MONTHLY, "2026-11")]
    assert item.state == todo.DUE and item.state_label == "待完成"
    assert item.note == "11月30日前完成（还有 20 天）"
    # Recorded on the 12th: the month is met, and the 待办 says so.
    act(tree.branch_a, "theme_day", D(2026, 11, 12))
    got = items_of(todo.compute(SYSTEM, D(2026, 11, 12), rules=rules(MONTHLY)), tree.branch_a)
    assert got[(MONTHLY, "2026-11")].state == todo.DONE
    assert got[(MONTHLY, "2026-11")].note == "已开展 1 次"


def test_fixed_day_rule_is_missed_once_its_day_has_passed(tree):
    act(tree.branch_a, "theme_day", D(2026, 10, 5))
    act(tree.branch_a, "theme_day", D(2026, 11, 6))  # the day after the fixed day: not it
    before = evaluate(SYSTEM, 2026, rules=rules(FIXED.id), today=D(2026, 11, 5))
    after = evaluate(SYSTEM, 2026, rules=rules(FIXED.id), today=D(2026, 11, 6))

    def nov(ev):
        return next(c for c in ev.cells if c.org_id == tree.branch_a.pk and c.period.index == 11)

    assert nov(before).status == Status.NOT_DUE and nov(before).due_on == D(2026, 11, 5)
    assert nov(after).status == Status.NONCOMPLIANT  # the month runs, the day has passed
    got = items_of(todo.compute(SYSTEM, D(2026, 11, 6), rules=rules(FIXED.id)), tree.branch_a)
    assert got[(FIXED.id, "2026-11")].state == todo.OVERDUE
    assert got[(FIXED.id, "2026-11")].current


def test_an_exemption_covering_the_running_period_excuses_it_now(tree):
    exempt(tree.branch_a, MONTHLY, D(2026, 11, 20), D(2026, 12, 31))
    today = D(2026, 11, 10)
    ev = evaluate(SYSTEM, 2026, rules=rules(MONTHLY), today=today)
    cells = {c.period.key: c for c in ev.cells if c.org_id == tree.branch_a.pk}
    assert cells["2026-11"].status == Status.EXEMPT
    got = items_of(todo.compute(SYSTEM, today, rules=rules(MONTHLY)), tree.branch_a)
    assert got[(MONTHLY, "2026-11")].state == todo.EXEMPT
    entry = next(o for o in todo.compute(SYSTEM, today, rules=rules(MONTHLY)).orgs)
    assert (entry.total, entry.due) == (0, 0)  # nothing asked of it this month


def test_around_judges_the_same_cells_as_the_whole_year(tree):
    for day in (D(2026, 1, 31), D(2026, 3, 3), D(2026, 7, 1), D(2026, 11, 30)):
        act(tree.branch_a, "theme_day", day)
        act(tree.branch_a, "member_assembly", day)
        act(tree.group_a, "group_meeting", day)
    exempt(tree.branch_b, QUARTERLY, D(2026, 4, 1), D(2026, 6, 30))
    # The 支委会 rule applies from 7 full members: branch_a always (5 + 2 in its group),
    # branch_b from November, when its seventh member becomes full.
    for _ in range(5):
        member(tree.branch_a, full_on=D(2011, 7, 1))
    for _ in range(2):
        member(tree.group_a, full_on=D(2012, 7, 1))
    for _ in range(6):
        member(tree.branch_b, full_on=D(2015, 7, 1))
    member(tree.branch_b, joined_on=D(2025, 11, 10), full_on=D(2026, 11, 10))
    act(tree.branch_a, "committee_meeting", D(2026, 11, 3))
    chosen = rules(MONTHLY, QUARTERLY, YEARLY, GROUP, FIXED.id, COMMITTEE)
    committee_cells = 0
    for today in (D(2026, 1, 15), D(2026, 4, 1), D(2026, 7, 31), D(2026, 11, 5), D(2026, 12, 6)):
        whole = evaluate(SYSTEM, 2026, rules=chosen, today=today)
        part = evaluate(SYSTEM, 2026, rules=chosen, today=today, around=today)
        key = lambda c: (c.rule_id, c.org_id, c.period.key)  # noqa: E731
        judged = {key(c): c for c in part.cells}
        expected = {
            key(c): c
            for c in whole.cells
            if key(c) in judged or (c.period.contains(today) and c.period.start <= today)
        }
        assert judged.keys() == expected.keys(), today
        for k, c in judged.items():
            w = expected[k]
            assert (c.status, c.count, c.reason, c.due_on) == (
                w.status,
                w.count,
                w.reason,
                w.due_on,
            )
        committee_cells += sum(
            1 for c in part.cells if c.rule_id == COMMITTEE and c.status != Status.NOT_APPLICABLE
        )
        # Only the current and the previous period of each rule.
        for c in part.cells:
            assert c.period.end >= today or c.period.index == todo.previous_index(
                c.period.kind, today
            )
    assert committee_cells >= 5  # the member counts were exercised, not only skipped


# --- set-based equals naive -----------------------------------------------------------------


ONE = dt.timedelta(days=1)


def current_start(kind: str, today: dt.date) -> dt.date:
    if kind == "month":
        return today.replace(day=1)
    if kind == "quarter":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return dt.date(today.year, 1, 1)


def naive_items(user, today, orgs, chosen) -> set[tuple]:
    """Org by org, period by period, from a whole-year evaluation of that org alone."""
    found = set()
    for org in orgs:
        ev = evaluate(user, today.year, within=org, rules=chosen, today=today)
        for c in ev.cells:
            if c.org_id != org.pk or c.status == Status.NOT_APPLICABLE:
                continue
            p = c.period
            if p.start <= today <= p.end:
                state = {
                    Status.COMPLIANT: todo.DONE,
                    Status.NOT_DUE: todo.DUE,
                    Status.EXEMPT: todo.EXEMPT,
                    Status.NONCOMPLIANT: todo.OVERDUE,
                }[c.status]
            elif c.status == Status.NONCOMPLIANT and p.end == current_start(p.kind, today) - ONE:
                state = todo.OVERDUE  # the period just before the running one, missed
            else:
                continue
            found.add((org.pk, c.rule_id, p.key, state, c.count, c.due_on))
    return found


def test_set_based_todo_equals_a_naive_per_org_loop(tree, make_user):
    more = []
    for i in range(3):
        b = tree.unit_b.add_child(kind=OrgKind.BRANCH, name=f"乙局第{i + 2}党支部")
        tree.unit_b.refresh_from_db()
        more.append(b)
        g = b.add_child(kind=OrgKind.PARTY_GROUP, name=f"乙局第{i + 2}支部第一党小组")
        b.refresh_from_db()
        more.append(g)
    orgs = [tree.branch_a, tree.group_a, tree.branch_b, *more]
    for n, org in enumerate(orgs):
        for month in range(1, 13, 1 + n % 3):
            kind = "group_meeting" if org.kind == OrgKind.PARTY_GROUP else "theme_day"
            act(org, kind, D(2026, month, 1 + n))
        if org.kind == OrgKind.BRANCH and n % 2:
            act(org, "member_assembly", D(2026, 8, 8))
            act(org, "life_meeting", D(2026, 3, 8))
    exempt(more[0], MONTHLY, D(2026, 10, 1), D(2026, 10, 31))
    chosen = rules(MONTHLY, QUARTERLY, YEARLY, GROUP, FIXED.id)
    admin = make_user("committee_admin", tree.root)
    for today in (D(2026, 2, 10), D(2026, 10, 3), D(2026, 11, 2), D(2026, 12, 6)):
        result = todo.compute(admin, today, rules=chosen)
        got = {
            (i.org.id, i.rule.id, i.period.key, i.state, i.count, i.due_on) for i in result.items
        }
        assert got == naive_items(admin, today, orgs, chosen), today
        assert got  # the comparison is about something


def test_query_count_does_not_grow_with_the_orgs(tree, make_user):
    admin = make_user("unit_admin", tree.unit_b)
    today = D(2026, 11, 15)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            result = todo.compute(admin, today)
            todo.name_orgs(result, tree.unit_b)
            todo.upcoming(admin, today, tree.unit_b)
        return len(ctx.captured_queries), len(result.orgs)

    queries()  # the user's grants are loaded once, on first use
    before, orgs_before = queries()
    for i in range(5):
        b = tree.unit_b.add_child(kind=OrgKind.BRANCH, name=f"新设第{i}党支部")
        tree.unit_b.refresh_from_db()
        b.add_child(kind=OrgKind.PARTY_GROUP, name=f"新设第{i}支部党小组")
        act(b, "theme_day", D(2026, 11, 2))
    after, orgs_after = queries()
    assert orgs_after == orgs_before + 10
    assert after == before


# --- who sees what ----------------------------------------------------------------------------


def test_a_secretary_sees_only_her_branch(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    result = todo.compute(secretary, D(2026, 11, 15))
    assert {o.org.id for o in result.orgs} == {tree.branch_a.pk, tree.group_a.pk}
    # She may record in her branch: each open item links to the form, pre-filled.
    item = next(i for i in result.open_items if i.rule.id == MONTHLY and i.current)
    assert item.record_url.endswith(f"?kind=theme_day&org={tree.branch_a.pk}&held_on=2026-11-15")
    # A viewer of the same branch gets the list without record buttons.
    viewer = make_user("viewer", tree.branch_a)
    assert all(not i.record_url for i in todo.compute(viewer, D(2026, 11, 15)).items)


def test_a_unit_admins_list_holds_every_level_worst_first(tree, make_user):
    deep = tree.group_a.add_child(kind=OrgKind.PARTY_GROUP, name="更下一级党小组")
    act(tree.group_a, "group_meeting", D(2026, 10, 3))  # October met, November running
    admin = make_user("unit_admin", tree.unit_a)
    today = D(2026, 11, 25)  # the month's last third: everything still due is at risk
    result = todo.compute(admin, today, rules=rules(MONTHLY, GROUP))
    attention = result.attention()
    ids = [o.org.id for o in attention]
    assert set(ids) == {tree.branch_a.pk, tree.group_a.pk, deep.pk}  # three levels down too
    # branch_a and deep missed October (overdue), group_a only has November at risk.
    assert ids[-1] == tree.group_a.pk
    assert attention[-1].overdue == 0 and attention[-1].at_risk == 1
    assert all(o.overdue == 1 for o in attention[:2])
    todo.name_orgs(result, tree.unit_a)
    names = {o.org.id: (o.parent_name, o.unit_name) for o in result.orgs}
    assert names[deep.pk] == (tree.group_a.name, tree.unit_a.name)
    assert tree.branch_b.pk not in names


def test_committee_sums_up_by_unit(tree, make_user):
    act(tree.branch_b, "theme_day", D(2026, 10, 3))
    admin = make_user("committee_admin", tree.root)
    result = todo.compute(admin, D(2026, 11, 25), rules=rules(MONTHLY))
    units = result.by_unit(todo.unit_names(admin))
    assert [u.name for u in units] == [tree.unit_a.name, tree.unit_b.name]  # worst first
    a, b = units
    assert (a.orgs, a.behind, a.at_risk, a.done, a.total) == (1, 1, 0, 0, 1)
    assert (b.orgs, b.behind, b.at_risk, b.done, b.total) == (1, 0, 1, 0, 1)
    assert a.org_id == tree.unit_a.pk


def test_summary_counts_done_pending_and_overdue(tree):
    act(tree.branch_a, "theme_day", D(2026, 11, 2))
    act(tree.group_a, "group_meeting", D(2026, 9, 2))
    result = todo.compute(SYSTEM, D(2026, 11, 15), rules=rules(MONTHLY, QUARTERLY, GROUP))
    # Current: branch_a's November theme day done; branch_a Q4, branch_b November and Q4,
    # group_a November running. Overdue (the previous period missed): October of branch_a,
    # branch_b and group_a (its meeting was in September), Q3 of branch_a and branch_b.
    assert (result.done, result.total, result.pending, result.overdue) == (1, 5, 4, 5)
    assert result.summary == "本期 1 / 5 项已完成，4 项进行中，5 项已逾期"


# --- the heatmap's current month ------------------------------------------------------------


def test_heatmap_month_in_progress_is_shown_as_progress_never_as_a_rate(tree):
    act(tree.branch_a, "theme_day", D(2026, 11, 2))  # branch_a done; group_a not yet
    chosen = rules(MONTHLY, GROUP, QUARTERLY)

    def unit_a_cells():
        ev = evaluate(SYSTEM, 2026, rules=chosen, today=D(2026, 11, 15))
        rows = heatmap.build_rows(ev, tree.root, [tree.unit_a, tree.unit_b], None)
        return next(r for r in rows if r.org_id == tree.unit_a.pk).cells, rows

    cells, rows = unit_a_cells()
    nov, dec = cells[10], cells[11]
    # November: 1 of 2 met, 1 running. A rate over the judged ones would read 100 % green.
    assert nov.in_progress and nov.text == "1/2" and nov.percent is None
    assert nov.css == "bg-azure-lt"
    assert nov.title == "进行中：1 / 2 已完成，1 项进行中"
    # December holds Q4 (running) and December's months (not started): progress, too.
    assert dec.in_progress and dec.text == "0/3" and dec.css != "bg-green-lt"
    chart = heatmap.chart_option(rows, 2026)
    progress = [d for d in chart["series"][0]["data"] if d["value"][2] == heatmap.IN_PROGRESS_VALUE]
    assert {d["label"]["formatter"] for d in progress} >= {"1/2", "0/3"}
    # Everything of November met: now it is done, and green.
    act(tree.group_a, "group_meeting", D(2026, 11, 3))
    nov = unit_a_cells()[0][10]
    assert not nov.in_progress and nov.text == "100%" and nov.css == "bg-green-lt"
    # A finished year is rates only.
    ev = evaluate(SYSTEM, 2025, rules=chosen, today=D(2026, 11, 15))
    rows = heatmap.build_rows(ev, tree.root, [tree.unit_a, tree.unit_b], None)
    assert not any(c.in_progress for r in rows for c in r.cells)
