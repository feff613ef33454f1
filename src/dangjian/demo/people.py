"""Synthetic members, committee posts, exemptions and transfers, one unit at a time.

Generated unit by unit (a generator), so a province-scale run never holds every member in
memory. Each unit draws from its own seeded `random.Random` and a re-seeded Faker, and
uniqueness of ID numbers runs over the units in plan order, so output depends only on
(seed, scale, today).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from faker import Faker

from dangjian.members.models import Category, Education, Exemption, Gender, MemberStatus
from dangjian.orgs import termrules
from dangjian.orgs.models import CommitteePost, OrgKind

from . import names
from .plan import ACTIVITY_START, CityPlan, TermPlan, UnitPlan, random_date, rng_for

PROBATIONARY_SHARE = 0.045  # of eligible in-service members: ≈ 3 % of all members
ELDERLY_EXEMPT_SHARE = 0.35  # of retired members aged 75 or more
LONG_ABSENCE_SHARE = 0.005
TRANSFER_SHARE = 0.006
COMMITTEE_MIN_FULL = 7  # 党员 7 人以上的党支部设立支部委员会
RE_ELECTED_SHARE = 0.55  # of a committee's members, re-elected at the next 换届
# Of terms in office during the activity period: the 书记 is replaced mid-term.
SECRETARY_CHANGE_SHARE = 0.10

Post = CommitteePost.Post
COMMITTEE_POSTS = (
    Post.SECRETARY,
    Post.DEPUTY_SECRETARY,
    Post.ORGANIZATION,
    Post.PUBLICITY,
    Post.DISCIPLINE,
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(body17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]


@dataclass
class PersonPlan:
    org: int
    unit: int
    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date
    id_number: str
    phone: str
    education: str
    job_title: str
    category: str
    status: str
    joined_on: dt.date
    full_member_on: dt.date | None
    is_mobile: bool = False


@dataclass
class PostPlan:
    term: int
    member: int  # index into UnitPeople.members
    post: str
    assigned_on: dt.date
    dismissed_on: dt.date | None = None


@dataclass
class ExemptionPlan:
    member: int
    reason: str
    starts_on: dt.date
    ends_on: dt.date | None
    note: str


@dataclass
class TransferPlan:
    member: int
    from_org: int | None
    to_org: int
    external_org_name: str
    transferred_on: dt.date
    letter_number: str
    dues_paid_until: str


@dataclass
class UnitPeople:
    unit: int
    members: list[PersonPlan] = field(default_factory=list)
    posts: list[PostPlan] = field(default_factory=list)
    exemptions: list[ExemptionPlan] = field(default_factory=list)
    transfers: list[TransferPlan] = field(default_factory=list)


@lru_cache(maxsize=1)
def _faker() -> Faker:
    return Faker("zh_CN")


def _age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _education(rng: random.Random, age: int, retired: bool) -> str:
    E = Education
    table: tuple[tuple[Education, int], ...]
    if retired:
        table = ((E.MASTER, 2), (E.BACHELOR, 30), (E.COLLEGE, 35), (E.SECONDARY, 25), (E.BELOW, 8))
    elif age < 35:
        table = ((E.DOCTORATE, 4), (E.MASTER, 35), (E.BACHELOR, 55), (E.COLLEGE, 6))
    elif age < 50:
        table = (
            (E.DOCTORATE, 3),
            (E.MASTER, 22),
            (E.BACHELOR, 60),
            (E.COLLEGE, 12),
            (E.SECONDARY, 3),
        )
    else:
        table = (
            (E.DOCTORATE, 2),
            (E.MASTER, 10),
            (E.BACHELOR, 55),
            (E.COLLEGE, 25),
            (E.SECONDARY, 8),
        )
    return rng.choices([str(e) for e, _ in table], weights=[w for _, w in table])[0]


class _Generator:
    def __init__(self, plan: CityPlan) -> None:
        self.plan = plan
        self.today = plan.today
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.terms_of: dict[int, list[TermPlan]] = {}  # org → its terms, oldest first
        for t in plan.terms:
            self.terms_of.setdefault(t.org, []).append(t)
        self.children = plan.children()
        # Orgs that hold members, for the "from" side of internal transfers.
        self.member_orgs = [o.index for o in plan.orgs if o.members]
        self.job_titles = [t for t, _ in names.JOB_TITLES]
        self.job_weights = [w for _, w in names.JOB_TITLES]

    # --- identifiers ---------------------------------------------------------------
    def id_number(self, rng: random.Random, birth: dt.date, male: bool) -> str:
        while True:
            area = rng.choice(
                names.LOCAL_AREA_CODES if rng.random() < 0.7 else names.OTHER_AREA_CODES
            )
            seq = rng.randrange(500) * 2 + (1 if male else 0)  # odd = male (GB 11643)
            body = f"{area}{birth:%Y%m%d}{seq:03d}"
            value = body + id_check_digit(body)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def phone(self, rng: random.Random) -> str:
        while True:
            value = f"{rng.choice(names.MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            if value not in self.used_phones:
                self.used_phones.add(value)
                return value

    # --- one member ----------------------------------------------------------------
    def person(
        self,
        rng: random.Random,
        fake: Faker,
        org: int,
        unit: int,
        retired: bool,
        may_be_probationary: bool,
    ) -> PersonPlan:
        today = self.today
        probationary = not retired and may_be_probationary and rng.random() < PROBATIONARY_SHARE
        if retired:
            age = int(rng.triangular(60, 92, 68))
        elif probationary:
            age = int(rng.triangular(23, 40, 27))
        else:
            age = int(rng.triangular(23, 60, 38))
        birth = termrules.add_years(today, -age) - dt.timedelta(days=rng.randint(1, 364))
        male = rng.random() < (0.62 if retired else 0.57)
        name = fake.last_name() + (fake.first_name_male() if male else fake.first_name_female())
        if probationary:
            joined = today - dt.timedelta(days=rng.randint(1, 360))
            full_on = None
        else:
            earliest = termrules.add_years(birth, 18)
            latest = today - dt.timedelta(days=370)
            joined_age = rng.triangular(18, max(18.5, age - 1), 24)
            joined = min(latest, earliest + dt.timedelta(days=int((joined_age - 18) * 365.25)))
            joined = max(joined, earliest)
            full_on = termrules.add_years(joined, 1)
        ethnicity = "汉族" if rng.random() < 0.96 else rng.choice(names.ETHNIC_MINORITIES)
        return PersonPlan(
            org=org,
            unit=unit,
            name=name,
            gender=str(Gender.MALE if male else Gender.FEMALE),
            ethnicity=ethnicity,
            birth_date=birth,
            id_number=self.id_number(rng, birth, male),
            phone=self.phone(rng),
            education=_education(rng, age, retired),
            job_title="退休干部"
            if retired
            else rng.choices(self.job_titles, weights=self.job_weights)[0],
            category=str(Category.RETIRED if retired else Category.IN_SERVICE),
            status=str(MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL),
            joined_on=joined,
            full_member_on=full_on,
        )

    # --- a unit ----------------------------------------------------------------------
    def unit(self, unit: UnitPlan) -> UnitPeople:
        plan = self.plan
        rng = rng_for(plan.seed, "people", unit.index)
        fake = _faker()
        fake.seed_instance(f"{plan.seed}:faker:{unit.index}")
        out = UnitPeople(unit.index)
        direct: dict[int, list[int]] = {i: [] for i in unit.orgs}
        for i in unit.orgs:
            org = plan.orgs[i]
            for k in range(org.members):
                direct[i].append(len(out.members))
                out.members.append(self.person(rng, fake, i, unit.index, org.retired, k >= 3))
        subtree = self._subtree_members(unit, direct)
        for i in unit.orgs:
            terms = self.terms_of.get(i)
            if terms:
                self._committees(rng, out, plan.orgs[i].kind, terms, subtree[i])
        for m, person in enumerate(out.members):
            self._extras(rng, out, m, person)
        return out

    def _subtree_members(
        self, unit: UnitPlan, direct: dict[int, list[int]]
    ) -> dict[int, list[int]]:
        orgs = self.plan.orgs
        subtree = {i: list(v) for i, v in direct.items()}
        for i in sorted(unit.orgs, key=lambda j: (-orgs[j].depth, j)):
            parent = orgs[i].parent
            if parent in subtree:
                subtree[parent] += subtree[i]
        return subtree

    def _committees(
        self, rng: random.Random, out: UnitPeople, kind: str, terms: list[TermPlan], pool: list[int]
    ) -> None:
        """Each term's committee, newest first; some members carry over to the older term."""
        newer: dict[str, int] = {}
        for term in reversed(terms):
            newer = self._committee(rng, out, kind, term, pool, newer)
        for term in terms:
            self._secretary_change(rng, out, term, pool)

    def _committee(
        self,
        rng: random.Random,
        out: UnitPeople,
        kind: str,
        term: TermPlan,
        pool: list[int],
        newer: dict[str, int],
    ) -> dict[str, int]:
        members = out.members
        full = [m for m in pool if members[m].full_member_on is not None]
        in_service = [m for m in full if members[m].category == Category.IN_SERVICE]
        candidates = in_service if len(in_service) >= 5 else full
        eligible = [m for m in candidates if members[m].full_member_on <= term.started_on]  # type: ignore[operator]
        if kind == OrgKind.BRANCH and len(full) < COMMITTEE_MIN_FULL:
            posts: tuple[str, ...] = (Post.SECRETARY,)
        elif kind in (OrgKind.PARTY_COMMITTEE, OrgKind.UNIT_PARTY):
            posts = (*COMMITTEE_POSTS, Post.MEMBER, Post.MEMBER)
        else:
            posts = COMMITTEE_POSTS
        source = eligible if len(eligible) >= len(posts) else candidates
        chosen = rng.sample(source, min(len(posts), len(source)))
        # Re-election: a holder of the same post in the next term may have held it in this one.
        for k, post in enumerate(posts[: len(chosen)]):
            again = newer.get(f"{post}:{k}")
            if again is not None and again in source and rng.random() < RE_ELECTED_SHARE:
                if again in chosen:
                    chosen[chosen.index(again)] = chosen[k]
                chosen[k] = again
        held: dict[str, int] = {}
        for k, (post, m) in enumerate(zip(posts, chosen, strict=False)):
            assigned = max(term.started_on, members[m].full_member_on or term.started_on)
            out.posts.append(PostPlan(term.index, m, str(post), assigned))
            held[f"{post}:{k}"] = m
        return held

    def _secretary_change(
        self, rng: random.Random, out: UnitPeople, term: TermPlan, pool: list[int]
    ) -> None:
        """Now and then a 书记 leaves mid-term (调任、退休); the 副书记 or a member takes over."""
        start = max(term.started_on, ACTIVITY_START) + dt.timedelta(days=60)
        end = (term.ended_on or self.today) - dt.timedelta(days=60)
        if end <= start or rng.random() >= SECRETARY_CHANGE_SHARE:
            return
        posts = [p for p in out.posts if p.term == term.index and p.dismissed_on is None]
        old = next((p for p in posts if p.post == Post.SECRETARY), None)
        if old is None:
            return
        on = random_date(rng, start, end)
        deputy = next((p for p in posts if p.post == Post.DEPUTY_SECRETARY), None)
        if deputy is not None:
            successor = deputy.member
            deputy.dismissed_on = on
        else:
            members = out.members
            taken = {p.member for p in posts}
            ready = [
                m
                for m in pool
                if m not in taken
                and members[m].full_member_on is not None
                and members[m].full_member_on <= on  # type: ignore[operator]
            ]
            if not ready:
                return
            successor = rng.choice(ready)
        old.dismissed_on = on
        out.posts.append(PostPlan(term.index, successor, str(Post.SECRETARY), on))

    def _extras(self, rng: random.Random, out: UnitPeople, m: int, person: PersonPlan) -> None:
        today = self.today
        if person.category == Category.RETIRED:
            if _age_on(person.birth_date, today) >= 75 and rng.random() < ELDERLY_EXEMPT_SHARE:
                start = random_date(
                    rng,
                    max(termrules.add_years(person.birth_date, 75), termrules.add_years(today, -6)),
                    today - dt.timedelta(days=30),
                )
                out.exemptions.append(
                    ExemptionPlan(m, str(Exemption.Reason.ELDERLY_INFIRM), start, None, "")
                )
            return
        if person.full_member_on is None:
            return
        if rng.random() < LONG_ABSENCE_SHARE:
            start = today - dt.timedelta(days=rng.randint(30, 300))
            note = rng.choice(names.LONG_ABSENCE_NOTES)
            out.exemptions.append(
                ExemptionPlan(
                    m,
                    str(Exemption.Reason.LONG_ABSENCE),
                    start,
                    start + dt.timedelta(days=365),
                    note,
                )
            )
            person.is_mobile = True
        if rng.random() < TRANSFER_SHARE:
            on = random_date(
                rng,
                max(person.full_member_on, termrules.add_years(today, -5)),
                today - dt.timedelta(days=20),
            )
            internal = rng.random() < 0.6
            source = rng.choice(self.member_orgs) if internal else None
            if source == person.org:
                source = None
            out.transfers.append(
                TransferPlan(
                    member=m,
                    from_org=source,
                    to_org=person.org,
                    external_org_name="" if source is not None else rng.choice(names.EXTERNAL_ORGS),
                    transferred_on=on,
                    letter_number=f"组转〔{on.year}〕{rng.randint(1, 400)}号",
                    dues_paid_until=f"{(on.replace(day=1) - dt.timedelta(days=1)):%Y-%m}",
                )
            )


def iter_people(plan: CityPlan) -> Iterator[UnitPeople]:
    """Members, posts, exemptions and transfers of each unit, in plan order."""
    gen = _Generator(plan)
    for unit in plan.units:
        yield gen.unit(unit)
