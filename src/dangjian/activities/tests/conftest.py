"""Fixtures for the activity tests: a branch with known members, posts and an exemption."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest

from dangjian.members.models import Exemption, Member
from dangjian.orgs.models import CommitteePost, Term

_seq = itertools.count(1)
JOINED = dt.date(2010, 7, 1)
DAY = dt.date(2024, 5, 10)


def make_member(org, name: str | None = None, **fields) -> Member:
    """A member without ID number or phone (attendance never needs them)."""
    n = next(_seq)
    fields.setdefault("gender", "male" if n % 2 else "female")
    fields.setdefault("joined_on", JOINED)
    fields.setdefault("status", "full")
    fields.setdefault("full_member_on", fields["joined_on"] + dt.timedelta(days=366))
    return Member.objects.create(org=org, name=name or f"党员{n:03d}", **fields)


def make_members(org, count: int, **fields) -> list[Member]:
    rows = []
    for _ in range(count):
        n = next(_seq)
        joined = fields.get("joined_on", JOINED)
        m = Member(
            org=org,
            name=f"党员{n:03d}",
            gender="male",
            joined_on=joined,
            status=fields.get("status", "full"),
            full_member_on=fields.get("full_member_on", joined + dt.timedelta(days=366)),
        )
        m.prepare()
        rows.append(m)
    return Member.objects.bulk_create(rows)


@pytest.fixture
def branch(tree):
    """甲局第一党支部 with 6 full members + 1 probationary directly, 2 full in its 党小组,
    one of the direct members exempt (年老体弱) since 2024-01-01, and a committee of 3."""
    direct = make_members(tree.branch_a, 6)
    probationary = make_member(
        tree.branch_a,
        "预备党员甲",
        status="probationary",
        full_member_on=None,
        joined_on=dt.date(2023, 12, 1),
    )
    grouped = make_members(tree.group_a, 2)
    exempt = direct[5]
    Exemption.objects.create(
        member=exempt, reason=Exemption.Reason.ELDERLY_INFIRM, starts_on=dt.date(2024, 1, 1)
    )
    term = Term.objects.create(org=tree.branch_a, started_on=dt.date(2022, 6, 1))
    posts = [
        CommitteePost.objects.create(term=term, member=direct[0], post="secretary"),
        CommitteePost.objects.create(term=term, member=direct[1], post="organization_member"),
        CommitteePost.objects.create(term=term, member=direct[2], post="publicity_member"),
    ]
    return SimpleNamespace(
        org=tree.branch_a,
        direct=direct,
        probationary=probationary,
        grouped=grouped,
        exempt=exempt,
        term=term,
        committee=[p.member for p in posts],
        everyone=[*direct, probationary, *grouped],
    )


@pytest.fixture
def writer(make_user, tree):
    return make_user("branch_secretary", tree.branch_a)
