"""Who was in each demo org, and who held which committee post, day by day — in memory.

Built unit by unit while the members are written (the loader hands over each unit's
people with their new primary keys), so activity generation never queries the database
and a province-scale run keeps only compact records. Dates are ordinals (ints) here:
every meeting compares them hundreds of times.

The rules mirror how the app reads records: a member is in their current org from the
later of joining the party and arriving by transfer (`activities.membership.members_at`);
a member votes from `full_member_on`; a post is held from the later of the term's start
and the assignment until the earlier of the term's end and the dismissal
(`activities.membership.committee_posts`).
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from dataclasses import dataclass, field

from dangjian.members.models import Category, Exemption
from dangjian.orgs.models import CommitteePost

from .people import UnitPeople
from .plan import ACTIVITY_START, CityPlan, TermPlan

NEVER = dt.date.max.toordinal()
SECRETARY = str(CommitteePost.Post.SECRETARY)
REASON_LABELS = {str(value): str(label) for value, label in Exemption.Reason.choices}

# How reliably a member turns up to a meeting they are expected at (出席 / 请假 / 缺席).
ATTEND_IN_SERVICE = 0.93
ATTEND_RETIRED = 0.84
DRIFTING_SHARE = 0.006  # members who have drifted away: the inactivity reminders find them
ATTEND_DRIFTING = 0.15


@dataclass(slots=True)
class Person:
    pk: int
    org: int  # plan index of the org the member is in now
    since: int  # in that org from (joined, or arrived by transfer)
    full_since: int  # has a vote from; NEVER while probationary
    retired: bool
    attend: float  # chance of attending a meeting they are expected at
    joined_month: int  # 1–12: the month of the political birthday (入党纪念日)
    young: bool  # under 35 at the start of the activity period (青年理论学习小组)
    exempt: tuple[tuple[int, int, str], ...] = ()  # (first day, last day, reason label)

    def exemption_on(self, day: int) -> str:
        for start, end, label in self.exempt:
            if start <= day <= end:
                return label
        return ""


@dataclass(slots=True)
class Seat:
    """One committee post held over [start, end): end is the term's end or the dismissal
    (the post is no longer held that day), NEVER while held."""

    member: int  # pk
    post: str
    start: int
    end: int


@dataclass
class OrgRoster:
    index: int
    kind: str
    people: list[Person] = field(default_factory=list)  # the subtree, by `since`
    sinces: list[int] = field(default_factory=list)
    fulls: list[int] = field(default_factory=list)  # sorted `full_since` of the subtree
    seats: list[Seat] = field(default_factory=list)

    def finish(self) -> None:
        self.people.sort(key=lambda p: (p.since, p.pk))
        self.sinces = [p.since for p in self.people]
        self.fulls = sorted(p.full_since for p in self.people)

    def present(self, day: int) -> list[Person]:
        """Members of the subtree on `day` (people who arrived later are not expected)."""
        return self.people[: bisect_right(self.sinces, day)]

    def full_count(self, day: int) -> int:
        """Full members by `day`, counted as the compliance evaluator counts them."""
        return bisect_right(self.fulls, day)

    def committee(self, day: int) -> list[Seat]:
        return [s for s in self.seats if s.start <= day < s.end]

    def holder(self, day: int, post: str) -> int | None:
        for s in self.seats:
            if s.post == post and s.start <= day < s.end:
                return s.member
        return None


@dataclass
class UnitRoster:
    unit: int
    orgs: dict[int, OrgRoster]  # every org of the unit (a 党组's roster is empty)
    people: list[Person]  # everyone in the unit

    def secretary_seats(self) -> list[tuple[int, Seat]]:
        return [(i, s) for i, r in self.orgs.items() for s in r.seats if s.post == SECRETARY]


def build(plan: CityPlan, people: UnitPeople, pks: list[int]) -> UnitRoster:
    """The unit's roster from its generated people and the primary keys they were given."""
    unit = plan.units[people.unit]
    rng = random.Random(f"{plan.seed}:roster:{people.unit}")
    arrived: dict[int, dt.date] = {}
    for t in people.transfers:
        arrived[t.member] = max(t.transferred_on, arrived.get(t.member, t.transferred_on))
    exempt: dict[int, list[tuple[int, int, str]]] = {}
    for e in people.exemptions:
        end = (e.ends_on or dt.date.max).toordinal()
        exempt.setdefault(e.member, []).append(
            (e.starts_on.toordinal(), end, REASON_LABELS.get(e.reason, e.reason))
        )
    persons: list[Person] = []
    for m, p in enumerate(people.members):
        since = max(p.joined_on, arrived.get(m, p.joined_on))
        retired = p.category == Category.RETIRED
        attend = ATTEND_RETIRED if retired else ATTEND_IN_SERVICE
        if rng.random() < DRIFTING_SHARE:
            attend = ATTEND_DRIFTING
        persons.append(
            Person(
                pks[m],
                p.org,
                since.toordinal(),
                max(p.joined_on, p.full_member_on).toordinal() if p.full_member_on else NEVER,
                retired,
                attend,
                p.joined_on.month,
                (ACTIVITY_START - p.birth_date).days < 35 * 365,
                tuple(exempt.get(m, ())),
            )
        )
    rosters = {i: OrgRoster(i, plan.orgs[i].kind) for i in unit.orgs}
    for person in persons:
        # The member's org and every ancestor inside the unit hold them in their subtree.
        i: int | None = person.org
        while i is not None and i in rosters:
            rosters[i].people.append(person)
            i = plan.orgs[i].parent
    for r in rosters.values():
        r.finish()
    for post in people.posts:
        term: TermPlan = plan.terms[post.term]  # a term's index is its position
        start = max(term.started_on, post.assigned_on)
        ends = [d for d in (term.ended_on, post.dismissed_on) if d is not None]
        rosters[term.org].seats.append(
            Seat(
                pks[post.member],
                post.post,
                start.toordinal(),
                min(ends).toordinal() if ends else NEVER,
            )
        )
    return UnitRoster(people.unit, rosters, persons)


def in_year(seat: Seat, year: int) -> bool:
    """Held at some point in `year`, by the test `training.secretaries_trained` applies
    (a term or post ending on 1 January still counts for that year)."""
    return (
        seat.start <= dt.date(year, 12, 31).toordinal()
        and seat.end >= dt.date(year, 1, 1).toordinal()
    )
