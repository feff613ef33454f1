"""Probation ends (预备期满) and political birthdays (入党纪念日), including 29 February."""

from __future__ import annotations

import datetime as dt
import itertools

from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.rules import deadlines

D = dt.date
_n = itertools.count(1)


def person(org, joined_on, status="probationary", **fields) -> Member:
    return Member.objects.create(
        org=org,
        name=f"预备{next(_n):03d}",
        gender="female",
        joined_on=joined_on,
        status=status,
        **fields,
    )


def ending(day, **kw):
    return {m.member_id: m.on for m in deadlines.probation_ending(SYSTEM, day, **kw)}


def test_probation_is_one_year_and_leap_day_ends_on_28_february():
    assert deadlines.probation_end(D(2024, 2, 29)) == D(2025, 2, 28)
    assert deadlines.probation_end(D(2027, 2, 28)) == D(2028, 2, 28)
    assert deadlines.probation_end(D(2024, 7, 1)) == D(2025, 7, 1)


def test_probation_ending_within_30_days(tree):
    leap = person(tree.branch_a, D(2024, 2, 29))
    soon = person(tree.branch_a, D(2024, 2, 10))
    full = person(tree.branch_a, D(2024, 2, 10), status="full")
    gone = person(tree.branch_a, D(2024, 2, 10), membership="transferred_out")
    assert ending(D(2025, 1, 29)) == {leap.pk: D(2025, 2, 28), soon.pk: D(2025, 2, 10)}
    assert leap.pk not in ending(D(2025, 1, 28))  # 31 days ahead
    assert ending(D(2025, 2, 28)) == {leap.pk: D(2025, 2, 28)}  # the end day itself
    assert ending(D(2025, 3, 1)) == {}
    assert full.pk not in ending(D(2025, 1, 29)) and gone.pk not in ending(D(2025, 1, 29))


def test_probation_window_in_a_leap_year(tree):
    before = person(tree.branch_a, D(2027, 2, 28))  # ends 2028-02-28
    after = person(tree.branch_a, D(2027, 3, 1))  # ends 2028-03-01
    assert ending(D(2028, 2, 29), days=0) == {}
    assert ending(D(2028, 2, 28), days=0) == {before.pk: D(2028, 2, 28)}
    assert ending(D(2028, 2, 29), days=1) == {after.pk: D(2028, 3, 1)}


def test_probation_notice_days_come_from_the_rule():
    assert deadlines.notice_days() == 30


def test_birthdays_in_month_with_29_february(tree):
    leap = person(tree.branch_a, D(2020, 2, 29), status="full")
    early = person(tree.branch_a, D(2001, 2, 3), status="full")
    this_year = person(tree.branch_a, D(2025, 2, 10))
    march = person(tree.branch_a, D(2010, 3, 1), status="full")
    rows = deadlines.birthdays_in_month(SYSTEM, 2025, 2)
    assert [(r.member_id, r.on, r.party_years) for r in rows] == [
        (early.pk, D(2025, 2, 3), 24),
        (leap.pk, D(2025, 2, 28), 5),  # no 29 February in 2025
    ]
    leap_year = deadlines.birthdays_in_month(SYSTEM, 2028, 2)
    assert {r.member_id: r.on for r in leap_year}[leap.pk] == D(2028, 2, 29)
    assert this_year.pk in {r.member_id for r in leap_year}
    assert [r.member_id for r in deadlines.birthdays_in_month(SYSTEM, 2025, 3)] == [march.pk]


def test_birthdays_scoped(tree, make_user):
    a = person(tree.branch_a, D(2000, 5, 4), status="full")
    person(tree.branch_b, D(2000, 5, 4), status="full")
    secretary = make_user("branch_secretary", tree.branch_a)
    assert [r.member_id for r in deadlines.birthdays_in_month(secretary, 2025, 5)] == [a.pk]


def test_anniversary_and_month_bounds():
    assert deadlines.anniversary(D(2016, 2, 29), 2026) == D(2026, 2, 28)
    assert deadlines.anniversary(D(2016, 2, 29), 2028) == D(2028, 2, 29)
    assert deadlines.month_bounds(2028, 2) == (D(2028, 2, 1), D(2028, 2, 29))
