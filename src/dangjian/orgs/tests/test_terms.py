"""Term lengths from the rule file and renewal status boundaries (Python and SQL agree)."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.orgs import termrules
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.termrules import TermStatus

from .helpers import child, make_term

TODAY = dt.date(2025, 3, 15)


def test_term_lengths_come_from_the_rule_file():
    assert termrules.term_rule(OrgKind.PARTY_COMMITTEE).years == 5
    assert termrules.term_rule(OrgKind.UNIT_PARTY).years == 5
    assert termrules.term_rule(OrgKind.GENERAL_BRANCH).years == 3
    assert termrules.term_rule(OrgKind.BRANCH).years == 3
    assert termrules.term_rule(OrgKind.PARTY_GROUP) is None
    assert termrules.term_rule(OrgKind.BRANCH).citation["verified"] is True


@pytest.mark.django_db
def test_planned_end_by_kind(tree):
    committee = child(tree.unit_a, OrgKind.PARTY_COMMITTEE, "甲局机关基层党委")
    assert make_term(committee, dt.date(2021, 6, 30)).planned_end_on == dt.date(2026, 6, 30)
    assert make_term(tree.branch_a, dt.date(2021, 6, 30)).planned_end_on == dt.date(2024, 6, 30)


@pytest.mark.django_db
def test_leap_day_term_ends_on_28_february(tree):
    assert make_term(tree.branch_a, dt.date(2024, 2, 29)).planned_end_on == dt.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("due_on", "expected"),
    [
        (None, TermStatus.NO_DATA),
        (dt.date(2025, 3, 14), TermStatus.OVERDUE),  # overdue by one day
        (dt.date(2025, 3, 15), TermStatus.DUE_3),  # due today is not yet overdue
        (dt.date(2025, 6, 15), TermStatus.DUE_3),  # exactly 3 months ahead
        (dt.date(2025, 6, 16), TermStatus.DUE_6),  # 3 months and a day
        (dt.date(2025, 9, 15), TermStatus.DUE_6),  # exactly 6 months ahead
        (dt.date(2025, 9, 16), TermStatus.NORMAL),  # 6 months and a day
    ],
)
def test_status_boundaries(due_on, expected):
    assert termrules.status_for(due_on, TODAY) == expected


def test_month_arithmetic_clamps_to_month_end():
    assert termrules.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert termrules.add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert termrules.add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


@pytest.mark.django_db
def test_sql_status_matches_python_on_the_boundaries(tree):
    """`with_term_status` (one query for many orgs) gives the same answer as `status_for`."""
    # Started so that the 3-year planned end lands on each boundary date above.
    cases = {
        "overdue": (dt.date(2022, 3, 14), TermStatus.OVERDUE),
        "today": (dt.date(2022, 3, 15), TermStatus.DUE_3),
        "three": (dt.date(2022, 6, 15), TermStatus.DUE_3),
        "three+1": (dt.date(2022, 6, 16), TermStatus.DUE_6),
        "six": (dt.date(2022, 9, 15), TermStatus.DUE_6),
        "six+1": (dt.date(2022, 9, 16), TermStatus.NORMAL),
    }
    orgs = {}
    for name, (started, _) in cases.items():
        orgs[name] = child(tree.unit_a, OrgKind.BRANCH, name)
        make_term(orgs[name], started)
    # An older, ended term must not count; an approved extension moves the due date.
    ended = make_term(orgs["overdue"], dt.date(2019, 3, 14), ended_on=dt.date(2022, 3, 14))
    extended = child(tree.unit_a, OrgKind.BRANCH, "extended")
    make_term(
        extended, dt.date(2022, 3, 1), extension_approved=True, extended_to=dt.date(2025, 12, 1)
    )

    got = dict(Organization.objects.with_term_status(TODAY).values_list("name", "term_status"))
    for name, (_, expected) in cases.items():
        assert got[name] == expected, name
        term = orgs[name].terms.get(ended_on__isnull=True)
        assert term.status(TODAY) == expected, name
    assert got["extended"] == TermStatus.NORMAL
    assert got[tree.branch_b.name] == TermStatus.NO_DATA
    assert got[tree.group_a.name] == TermStatus.NOT_APPLICABLE
    assert got[tree.root.name] == TermStatus.NOT_APPLICABLE
    assert ended.status(TODAY) == TermStatus.ENDED
