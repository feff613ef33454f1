"""Property: on random member histories, every membership-on-a-date answer equals a naive
forward replay of each member's history, day by day.

The histories mix joining, arrivals from outside the system, moves between branches (several
after the same day, some on the same day), transfers out of the system and every kind of
exit. The reference below replays them forward from the joining day; the code under test
reads them backward (the first transfer after the day) in SQL: `members.presence`,
`activities.membership.members_at`, `activities.full_members.full_member_counts`, the
importer's `activities.roster.Roster` and `members.presence.org_path_on`. Run on SQLite and
PostgreSQL (DATABASE_URL) like the rest of the suite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.activities.full_members import full_member_counts
from dangjian.activities.membership import members_at
from dangjian.activities.roster import Roster
from dangjian.members import presence
from dangjian.members.models import EXIT_MEMBERSHIP, Exit, ExitKind, Member, Transfer
from dangjian.orgs.models import Organization, OrgKind

START = dt.date(2024, 1, 1)
SPAN = 60  # days of history
# root → 甲 {支部1 → 小组, 支部2}, 乙 {支部3}; members live in the four lowest orgs.
SHAPE = [
    ("root", None, OrgKind.COMMITTEE),
    ("甲", "root", OrgKind.UNIT_PARTY),
    ("乙", "root", OrgKind.UNIT_PARTY),
    ("支部1", "甲", OrgKind.BRANCH),
    ("小组", "支部1", OrgKind.PARTY_GROUP),
    ("支部2", "甲", OrgKind.BRANCH),
    ("支部3", "乙", OrgKind.BRANCH),
]
HOMES = ["支部1", "小组", "支部2", "支部3"]
offsets = st.integers(0, SPAN)


@dataclass
class Person:
    joined: int
    full_from: int | None  # day offset of 转正; None: probationary
    home: str  # where they are before their first move (or arrive to)
    arrival: int | None  # arrives from outside on this day (None: already here)
    moves: list[tuple[int, str]] = field(default_factory=list)  # (day, to)
    out_on: int | None = None  # transferred out of the system
    exit: tuple[int, str] | None = None  # (left_on, kind)


@st.composite
def people(draw) -> list[Person]:
    result = []
    for _ in range(draw(st.integers(1, 8))):
        joined = draw(offsets)
        person = Person(
            joined=joined,
            full_from=draw(st.none() | st.integers(joined, SPAN + 5)),
            home=draw(st.sampled_from(HOMES)),
            arrival=draw(st.none() | st.integers(joined, SPAN)),
        )
        day = person.arrival if person.arrival is not None else joined
        where = person.home
        for _ in range(draw(st.integers(0, 3))):
            day = draw(st.integers(day, SPAN))  # same-day moves allowed: ordered by id
            to = draw(st.sampled_from([h for h in HOMES if h != where]))
            person.moves.append((day, to))
            where = to
        end = draw(st.sampled_from(["stay", "out", "exit"]))
        if end == "out":
            person.out_on = draw(st.integers(day, SPAN + 1))
        elif end == "exit":
            kinds = [k for k in ExitKind if k != ExitKind.PROBATION_CANCELLED]
            if person.full_from is None:
                kinds.append(ExitKind.PROBATION_CANCELLED)
            person.exit = (draw(st.integers(day, SPAN + 1)), draw(st.sampled_from(kinds)))
        result.append(person)
    return result


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def build(plan: list[Person]) -> tuple[dict[str, Organization], list[Member]]:
    orgs: dict[str, Organization] = {}
    for name, parent, kind in SHAPE:
        if parent is None:
            orgs[name] = Organization.add_root(kind=kind, name=name)
        else:
            orgs[parent].refresh_from_db()
            orgs[name] = orgs[parent].add_child(kind=kind, name=name)
    members = []
    for i, p in enumerate(plan):
        now = p.moves[-1][1] if p.moves else p.home
        membership = "normal"
        if p.out_on is not None:
            membership = "transferred_out"
        elif p.exit is not None:
            membership = EXIT_MEMBERSHIP[ExitKind(p.exit[1])]
        m = Member.objects.create(
            name=f"党员{i}",
            gender="male",
            org=orgs[now],
            joined_on=_day(p.joined),
            status="full" if p.full_from is not None else "probationary",
            full_member_on=_day(p.full_from) if p.full_from is not None else None,
            membership=membership,
        )
        if p.arrival is not None:
            Transfer.objects.create(
                member=m,
                to_org=orgs[p.home],
                transferred_on=_day(p.arrival),
                external_org_name="外",
            )
        where = p.home
        for day, to in p.moves:
            Transfer.objects.create(
                member=m, from_org=orgs[where], to_org=orgs[to], transferred_on=_day(day)
            )
            where = to
        if p.out_on is not None:
            Transfer.objects.create(
                member=m,
                from_org=orgs[where],
                transferred_on=_day(p.out_on),
                external_org_name="外",
            )
        if p.exit is not None:
            Exit.objects.create(member=m, kind=p.exit[1], left_on=_day(p.exit[0]))
        members.append(m)
    return orgs, members


def reference_org(p: Person, offset: int) -> str | None:
    """Forward replay: where the person is on day `offset`, events applying on their day."""
    if offset < p.joined:
        return None
    where: str | None = None if p.arrival is not None else p.home
    events: list[tuple[int, str | None]] = []
    if p.arrival is not None:
        events.append((p.arrival, p.home))
    events.extend(p.moves)
    if p.out_on is not None:
        events.append((p.out_on, None))
    if p.exit is not None:
        events.append((p.exit[0], None))
    for day, to in events:  # already in recorded order
        if day <= offset:
            where = to
    return where


def inside(orgs: dict[str, Organization], where: str | None, org: Organization) -> bool:
    """Is the org named `where` in `org`'s subtree?"""
    return where is not None and orgs[where].path.startswith(org.path)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=people(), probe=st.lists(st.integers(-1, SPAN + 2), min_size=1, max_size=6))
def test_every_membership_answer_equals_a_forward_replay(plan, probe):
    days = sorted({_day(o) for o in probe})
    with transaction.atomic():
        orgs, members = build(plan)
        names = {o.path: n for n, o in orgs.items()}
        expected = {
            d: {
                m.pk: reference_org(p, (d - START).days) for p, m in zip(plan, members, strict=True)
            }
            for d in days
        }
        roster = Roster([orgs[n] for n, _parent, _kind in SHAPE])
        counts = full_member_counts(Q(), days)
        got_full, want_full = {}, {}
        for d in days:
            anywhere = set(presence.present(d).values_list("pk", flat=True))
            assert anywhere == {pk for pk, where in expected[d].items() if where}, d
            for name, org in orgs.items():
                want = {pk for pk, where in expected[d].items() if inside(orgs, where, org)}
                assert set(members_at(org, d).values_list("pk", flat=True)) == want, (d, name)
                assert {h.member.pk for h in roster.members_on(org, d)} == want, (d, name)
                full = {
                    m.pk
                    for p, m in zip(plan, members, strict=True)
                    if m.pk in want and p.full_from is not None and _day(p.full_from) <= d
                }
                want_full[(d, name)] = len(full)
                got_full[(d, name)] = counts.get(org.path, [0] * len(days))[days.index(d)]
        # The one-member rule on the loaded history agrees too (what the replays call).
        for p, m in zip(plan, members, strict=True):
            moves = list(
                Transfer.objects.filter(member=m)
                .order_by("transferred_on", "pk")
                .values_list("transferred_on", "from_org__path")
            )
            left_on = Exit.objects.filter(member=m).values_list("left_on", flat=True).first()
            for d in days:
                path = presence.org_path_on(
                    d,
                    joined_on=m.joined_on,
                    membership=m.membership,
                    current_path=m.org.path,
                    moves=moves,
                    left_on=left_on,
                )
                assert (names[path] if path else None) == reference_org(p, (d - START).days)
        transaction.set_rollback(True)
    assert got_full == want_full
