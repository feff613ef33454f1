"""The demo city's organizational life (组织生活) from ACTIVITY_START to `today`.

For every org, the activities the rule library expects of its kind — 党支部: 主题党日 and
(with a committee) 支委会 monthly, 党员大会 and 党课 quarterly, 组织生活会 and 民主评议 yearly
(mostly in Q4), 谈心谈话; 党小组: 党小组会 monthly; a unit's leading group: 中心组学习 with a
第一议题 and 专题研讨; units: 培训班, 志愿服务, 警示教育 — with realistic gaps: each branch
has its own diligence, so about nine branch-months in ten meet every monthly rule, and
the months a branch was excused from a rule (`shapes.exemptions`) hold none of it.

Attendance comes from the roster: everyone in the org on the day is expected; members
excused from organizational life (members.Exemption) are 免于参加, the others mostly 出席,
some 请假 or 缺席. A meeting dated after `today` is not written (one upcoming 主题党日 per
branch is, as a plan without a date held).

Output is a stream of `Act` records (no ids, no database): the loader numbers and writes
them. Every random draw comes from `random.Random` seeded per unit, so the stream depends
only on (seed, scale, today).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from dangjian.activities.models import (
    DISCIPLINE_EDUCATION_TAG,
    ActivityKind,
    ParticipationStatus,
    ServiceType,
    TrainingType,
)
from dangjian.orgs.models import CommitteePost, OrgKind

from . import topics
from .people import COMMITTEE_MIN_FULL
from .plan import ACTIVITY_START, CityPlan, rng_for
from .roster import SECRETARY, Person, UnitRoster
from .shapes import SHAPED_YEAR, ExemptionPlan, YearShape

K = ActivityKind
ATTENDED = str(ParticipationStatus.ATTENDED)
LEAVE = str(ParticipationStatus.LEAVE)
ABSENT = str(ParticipationStatus.ABSENT)
EXEMPT = str(ParticipationStatus.EXEMPT)
ORGANIZATION = str(CommitteePost.Post.ORGANIZATION)
NEW_MEMBER_TAG = "new_member_training"
THEME_DAYS = (1, 5, 8, 10, 10, 12, 15, 15, 18, 20, 25)  # a branch's fixed 主题党日 date
DISCIPLINE_WINDOW = (dt.date(2024, 4, 1), dt.date(2024, 12, 20))  # 党纪学习教育 seminars


class Act:
    """One activity as it will be written; `rows` are (member pk, status, reason, hours)."""

    __slots__ = (
        "agenda",
        "end",
        "held",
        "host",
        "kind",
        "observers",
        "org",
        "place",
        "planned",
        "quorum",
        "recorder",
        "rows",
        "service_type",
        "start",
        "tags",
        "title",
        "training_type",
    )

    def __init__(self, org: int, kind: str, title: str, held: dt.date | None, place: str) -> None:
        self.org = org  # plan index
        self.kind = kind
        self.title = title
        self.held = held
        self.planned: dt.date | None = None
        self.start = "14:30:00"
        self.end = "16:30:00"
        self.place = place
        self.host: int | None = None
        self.recorder: int | None = None
        self.quorum: bool | None = None
        self.training_type = ""
        self.service_type = ""
        self.tags: tuple[str, ...] = ()
        self.observers: tuple[int, ...] = ()
        self.agenda: tuple[tuple[str, bool], ...] = ()
        self.rows: list[tuple[int, str, str, str | None]] = []


@dataclass
class Context:
    plan: CityPlan
    shape: YearShape
    staff: list[int]  # user pks of the 工委 staff who observe 中心组学习
    suppressed: dict[int, set[tuple[str, int]]]  # org → {(activity kind, month index)}
    people: dict[int, Person]  # every member by pk
    today: dt.date = field(init=False)
    children: dict[int, list[int]] = field(init=False)
    months: list[tuple[int, int]] = field(init=False)
    years: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.plan.today
        self.children = self.plan.children()
        self.months = month_list(ACTIVITY_START, self.today)
        self.years = sorted({y for y, _m in self.months})


def with_exemptions(exemptions: list[ExemptionPlan]) -> dict[int, set[tuple[str, int]]]:
    out: dict[int, set[tuple[str, int]]] = {}
    for e in exemptions:
        out.setdefault(e.org, set()).update((e.kind, m) for m in e.months())
    return out


# --- calendar ------------------------------------------------------------------------------
def month_list(start: dt.date, today: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (today.year, today.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def workday(y: int, m: int, d: int) -> dt.date:
    """Day `d` of the month, moved off the weekend (forward, or back at the month's end)."""
    last = calendar.monthrange(y, m)[1]
    day = dt.date(y, m, min(d, last))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    if day.month != m:
        day = dt.date(y, m, last)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
    return day


def some_workday(rng: random.Random, y: int, m: int, lo: int = 1, hi: int = 28) -> dt.date:
    return workday(y, m, rng.randint(lo, hi))


def workday_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    day = lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))
    return workday(day.year, day.month, day.day)


# --- attendance ----------------------------------------------------------------------------
def attendance(
    rng: random.Random, people: list[Person], day: int, hours: str
) -> tuple[list[tuple[int, str, str, str | None]], int, int]:
    """Rows for everyone expected; also (voters present, voters expected) for the quorum."""
    rows: list[tuple[int, str, str, str | None]] = []
    rand = rng.random
    voters = present_voters = 0
    for p in people:
        if p.exempt and (label := p.exemption_on(day)):
            rows.append((p.pk, EXEMPT, label, None))
            continue
        voting = p.full_since <= day
        voters += voting
        u = rand()
        if u < p.attend:
            rows.append((p.pk, ATTENDED, "", hours))
            present_voters += voting
        elif u < p.attend + (1 - p.attend) * 0.7:
            rows.append((p.pk, LEAVE, topics.LEAVE_REASONS[int(u * 7919) % 7], None))
        else:
            rows.append((p.pk, ABSENT, "", None))
    return rows, present_voters, voters


def invited(
    rng: random.Random,
    pks: list[int],
    day: int,
    hours: str,
    people: dict[int, Person],
    attend: float = 0.95,
) -> list[tuple[int, str, str, str | None]]:
    """Rows for an activity with a chosen list of participants (not the whole org); one
    excused from organizational life that day is 免于参加."""
    rows: list[tuple[int, str, str, str | None]] = []
    for pk in pks:
        person = people.get(pk)
        label = person.exemption_on(day) if person is not None and person.exempt else ""
        if label:
            rows.append((pk, EXEMPT, label, None))
        elif rng.random() < attend:
            rows.append((pk, ATTENDED, "", hours))
        else:
            rows.append((pk, LEAVE, rng.choice(topics.LEAVE_REASONS), None))
    return rows


def sample(rng: random.Random, people: list[Person], n: int, day: int) -> list[int]:
    """`n` of `people` to invite, leaving out those excused from organizational life."""
    able = [p for p in people if not (p.exempt and p.exemption_on(day))]
    return sorted(p.pk for p in rng.sample(able, min(n, len(able))))


# --- one unit ------------------------------------------------------------------------------
class UnitLife:
    def __init__(self, ctx: Context, roster: UnitRoster) -> None:
        self.ctx = ctx
        self.plan = ctx.plan
        self.roster = roster
        self.unit = self.plan.units[roster.unit]
        self.rng = rng_for(self.plan.seed, "life", roster.unit)

    def activities(self) -> Iterator[Act]:
        kinds = {i: self.plan.orgs[i].kind for i in self.unit.orgs}
        for i in self.unit.orgs:
            if kinds[i] == OrgKind.BRANCH:
                yield from self.branch(i)
            elif kinds[i] in (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH):
                yield from self.committee_org(i)
            elif kinds[i] == OrgKind.UNIT_PARTY:
                yield from self.committee_org(i)
                yield from self.unit_events(i)
        yield from self.leading_group()

    # helpers ------------------------------------------------------------------------------
    def invite(self, pks: list[int], day: dt.date, hours: str, attend: float = 0.95) -> list:
        return invited(self.rng, pks, day.toordinal(), hours, self.ctx.people, attend)

    def pick(self, people: list[Person], n: int, day: dt.date) -> list[int]:
        return sample(self.rng, people, n, day.toordinal())

    def act(self, org: int, kind: str, title: str, day: dt.date, place: str = "") -> Act | None:
        if day > self.ctx.today:
            return None
        return Act(org, kind, title, day, place or self.rng.choice(topics.PLACES))

    def meeting(
        self, org: int, kind: str, title: str, day: dt.date, hours: str, place: str = ""
    ) -> Act | None:
        """A meeting the whole org (its roster on the day) is expected at."""
        act = self.act(org, kind, title, day, place)
        if act is None:
            return None
        r = self.roster.orgs[org]
        d = day.toordinal()
        act.rows, present, voters = attendance(self.rng, r.present(d), d, hours)
        act.host = r.holder(d, SECRETARY)
        act.recorder = r.holder(d, ORGANIZATION)
        if kind == K.MEMBER_ASSEMBLY:
            act.quorum = present * 2 > voters
        return act

    def committee_meeting(self, org: int, day: dt.date, title: str) -> Act | None:
        act = self.act(org, K.COMMITTEE_MEETING, title, day)
        if act is None:
            return None
        r = self.roster.orgs[org]
        d = day.toordinal()
        seats = r.committee(d)
        pks = sorted({s.member for s in seats})
        if len(pks) < 3:  # no committee on record (no term data): its de facto members
            voters = [p.pk for p in r.present(d) if p.full_since <= d]
            pks = sorted(set(pks) | set(voters[: 5 - len(pks)]))
        act.rows = self.invite(pks, day, "1.0", attend=0.93)
        act.quorum = sum(row[1] == ATTENDED for row in act.rows) * 2 > len(pks)
        act.host = r.holder(d, SECRETARY)
        act.recorder = r.holder(d, ORGANIZATION)
        act.start, act.end = "09:00:00", "10:30:00"
        act.agenda = ((f"研究{day.month}月党建工作", False),)
        return act

    # 党支部 and its 党小组 -----------------------------------------------------------------
    def branch(self, b: int) -> Iterator[Act]:
        rng, ctx = self.rng, self.ctx
        r = self.roster.orgs[b]
        groups = [g for g in ctx.children[b] if self.plan.orgs[g].kind == OrgKind.PARTY_GROUP]
        miss = miss_rate(rng)
        dom = rng.choice(THEME_DAYS)
        suppressed = ctx.suppressed.get(b, set())
        for y, m in ctx.months:
            key = y * 12 + m - 1
            has_committee = r.full_count(month_end(y, m).toordinal()) >= COMMITTEE_MIN_FULL
            skip_theme = skip_committee = False
            if rng.random() < miss:
                u = rng.random()
                skip_theme = not has_committee or u < 0.55 or u >= 0.85
                skip_committee = has_committee and u >= 0.55
            theme_day = workday(y, m, dom)
            if (K.THEME_DAY, key) not in suppressed and not skip_theme:
                topic_pool = topics.THEME_DAY_2024 if y == 2024 and 4 <= m <= 7 else ()
                topic = rng.choice(topic_pool or topics.THEME_DAY_TOPICS)
                title = f"{y}年{m}月主题党日：{topic}"
                if theme_day > ctx.today and (theme_day - ctx.today).days <= 31:
                    planned = Act(b, K.THEME_DAY, title, None, rng.choice(topics.PLACES))
                    planned.planned = theme_day
                    yield planned
                elif act := self.meeting(b, K.THEME_DAY, title, theme_day, "2.0"):
                    yield act
            if (
                has_committee
                and not skip_committee
                and (K.COMMITTEE_MEETING, key) not in suppressed
            ):
                day = some_workday(rng, y, m, 1, 12)
                if act := self.committee_meeting(b, day, f"{y}年{m}月支委会"):
                    yield act
            for g in groups:
                if rng.random() >= miss * 0.9:
                    yield from self.group_meeting(g, y, m, dom)
            if m % 3 == 1:
                yield from self.quarter(b, y, m, miss, dom, suppressed)
            if m == 1:
                yield from self.branch_year(b, y, miss)

    def group_meeting(self, g: int, y: int, m: int, dom: int) -> Iterator[Act]:
        day = workday(y, m, min(28, dom + self.rng.randint(1, 8)))
        act = self.meeting(g, K.GROUP_MEETING, f"{y}年{m}月党小组会", day, "1.0")
        if act is not None:
            voters = [row[0] for row in act.rows if row[1] == ATTENDED]
            act.host = voters[0] if voters else None  # the 党小组长 chairs
            act.start, act.end = "16:00:00", "17:00:00"
            yield act

    def quarter(
        self, b: int, y: int, m: int, miss: float, dom: int, suppressed: set
    ) -> Iterator[Act]:
        rng = self.rng
        q = (m - 1) // 3 + 1
        months = [m, m + 1, m + 2]
        excused = any((K.MEMBER_ASSEMBLY, y * 12 + mm - 1) in suppressed for mm in months)
        if not excused and rng.random() >= miss * 0.8:
            for mm in sorted(rng.sample(months, 2 if rng.random() < 0.08 else 1)):
                day = some_workday(rng, y, mm)
                title = f"{y}年第{'一二三四'[q - 1]}季度党员大会"
                if act := self.meeting(b, K.MEMBER_ASSEMBLY, title, day, "1.5"):
                    act.agenda = tuple((t, False) for t in rng.sample(topics.ASSEMBLY_AGENDA, 2))
                    yield act
        excused = any((K.PARTY_LECTURE, y * 12 + mm - 1) in suppressed for mm in months)
        if not excused and rng.random() >= miss * 0.9:
            mm = rng.choice(months)
            day = workday(y, mm, dom) if rng.random() < 0.5 else some_workday(rng, y, mm)
            title = f"党课：{rng.choice(topics.LECTURE_TOPICS)}"
            if act := self.meeting(b, K.PARTY_LECTURE, title, day, "1.5"):
                yield act

    def branch_year(self, b: int, y: int, miss: float) -> Iterator[Act]:
        rng = self.rng
        r = self.roster.orgs[b]
        if rng.random() >= miss * 0.5:
            if rng.random() < 0.82:
                day = some_workday(rng, y, rng.choice((11, 12, 12, 12)))
            else:
                day = some_workday(rng, y, rng.randint(3, 9))
            if act := self.meeting(b, K.LIFE_MEETING, f"{y}年度组织生活会", day, "3.0"):
                yield act
            if rng.random() >= miss * 0.6:
                if rng.random() >= 0.8:  # mostly together with the 组织生活会
                    day = some_workday(rng, y, rng.choice((10, 11, 12)))
                title = f"{y}年度民主评议党员"
                if act := self.meeting(b, K.DEMOCRATIC_APPRAISAL, title, day, "1.0"):
                    yield act
        talks = 0 if rng.random() < miss * 0.7 else rng.randint(1, 3)
        for _ in range(talks):
            day = some_workday(rng, y, rng.randint(1, 12))
            act = self.act(b, K.HEART_TALK, rng.choice(topics.HEART_TALK_TITLES), day)
            people = r.present(day.toordinal()) if act else []
            if act and len(people) >= 2:
                pks = self.pick(people, rng.randint(2, 3), day)
                act.rows = self.invite(pks, day, "1.0", attend=1.0)
                act.host = r.holder(day.toordinal(), SECRETARY)
                yield act
        yield from self.branch_extras(b, y)

    def branch_extras(self, b: int, y: int) -> Iterator[Act]:
        rng = self.rng
        r = self.roster.orgs[b]
        if rng.random() < 0.3:
            act = self.meeting(b, K.OATH_RENEWAL, "“七一”重温入党誓词", workday(y, 7, 1), "1.0")
            if act is not None:
                yield act
        if y == 2024 and rng.random() < 0.4:
            day = workday_between(rng, dt.date(2024, 4, 15), dt.date(2024, 7, 31))
            title = f"党纪学习教育专题研讨：{rng.choice(topics.DISCIPLINE_SEMINARS)}"
            if act := self.meeting(b, K.SEMINAR, title, day, "2.0"):
                act.tags = (DISCIPLINE_EDUCATION_TAG,)
                yield act
        if rng.random() < 0.25:  # 集体过政治生日 each quarter for that quarter's birthdays
            for q in range(4):
                day = some_workday(rng, y, 3 * q + 2)
                d = day.toordinal()
                people = [p for p in r.present(d) if (p.joined_month - 1) // 3 == q]
                act = self.act(
                    b, K.POLITICAL_BIRTHDAY, f"{y}年第{'一二三四'[q]}季度集体过政治生日", day
                )
                if act and people:
                    host = r.holder(d, SECRETARY)
                    pks = sorted({p.pk for p in people} | ({host} if host else set()))
                    act.rows = self.invite(pks, day, "1.0", attend=0.9)
                    act.host = host
                    yield act
        for _ in range(rng.choice((0, 1, 1, 2))):
            day = some_workday(rng, y, rng.randint(3, 11))
            act = self.act(b, K.VOLUNTEER, rng.choice(topics.VOLUNTEER_TITLES), day)
            people = [p for p in r.present(day.toordinal()) if not p.retired] if act else []
            if act and people:
                act.place = rng.choice(topics.OUTDOOR_PLACES)
                act.service_type = str(
                    rng.choice((ServiceType.VOLUNTEER, ServiceType.DUAL_REGISTRATION))
                )
                act.rows = self.invite(self.pick(people, rng.randint(5, 15), day), day, "3.0")
                act.start, act.end = "08:30:00", "11:30:00"
                yield act

    # 党委, 党总支 and the unit-level org ----------------------------------------------------
    def committee_org(self, i: int) -> Iterator[Act]:
        rng = self.rng
        for y, m in self.ctx.months:
            if rng.random() < 0.04:
                continue
            day = some_workday(rng, y, m, 1, 15)
            if act := self.committee_meeting(i, day, f"{y}年{m}月委员会会议"):
                yield act
        r = self.roster.orgs[i]
        for y in self.ctx.years:
            day = some_workday(rng, y, rng.randint(3, 11))
            act = self.act(
                i, K.PARTY_LECTURE, f"书记讲党课：{rng.choice(topics.LECTURE_TOPICS)}", day
            )
            people = r.present(day.toordinal()) if act else []
            if act and people:
                act.host = r.holder(day.toordinal(), SECRETARY)
                act.rows = self.invite(self.pick(people, 40, day), day, "1.5", attend=0.9)
                yield act

    def unit_events(self, u: int) -> Iterator[Act]:
        """培训班, 警示教育 and 志愿服务 organised by the unit-level org for the whole unit."""
        rng = self.rng
        r = self.roster.orgs[u]
        for y in self.ctx.years:
            day = some_workday(rng, y, rng.randint(3, 11))
            act = self.act(
                u, K.WARNING_EDUCATION, f"{y}年度{rng.choice(topics.WARNING_TITLES)}", day
            )
            people = r.present(day.toordinal()) if act else []
            if act and people:
                act.tags = ("integrity_education",)
                act.rows = self.invite(
                    self.pick(people, min(150, len(people) // 3 + 5), day), day, "2.0"
                )
                yield act
            day = some_workday(rng, y, rng.randint(4, 11))
            act = self.act(u, K.TRAINING, f"{y}年新党员和预备党员培训班", day)
            d = day.toordinal()
            fresh = [p for p in r.present(d) if p.full_since > d - 400] if act else []
            if act and len(fresh) >= 3:
                act.training_type = str(TrainingType.OTHER)
                act.tags = (NEW_MEMBER_TAG,)
                act.rows = self.invite(sorted(p.pk for p in fresh), day, "16.0")
                act.start, act.end = "09:00:00", "17:00:00"
                yield act
            young = [p for p in r.people if p.young and not p.retired]
            if len(young) >= 5:  # a 青年理论学习小组 meets every quarter
                for q in range(4):
                    day = some_workday(rng, y, 3 * q + rng.randint(1, 3))
                    act = self.act(
                        u, K.YOUTH_STUDY, f"青年理论学习小组{y}年第{'一二三四'[q]}季度学习", day
                    )
                    d = day.toordinal()
                    here = [p for p in young if p.since <= d]
                    if act and here:
                        act.rows = self.invite(self.pick(here, 20, day), day, "2.0", attend=0.9)
                        yield act
            for _ in range(2):
                day = some_workday(rng, y, rng.randint(3, 11))
                act = self.act(u, K.VOLUNTEER, rng.choice(topics.VOLUNTEER_TITLES), day)
                people = [p for p in r.present(day.toordinal()) if not p.retired] if act else []
                if act and people:
                    act.place = rng.choice(topics.OUTDOOR_PLACES)
                    act.service_type = str(ServiceType.VOLUNTEER)
                    act.rows = self.invite(self.pick(people, rng.randint(10, 25), day), day, "3.0")
                    yield act

    # the leading group: 中心组学习 and 专题研讨 ----------------------------------------------
    def leading_group(self) -> Iterator[Act]:
        plan, rng, ctx = self.plan, self.rng, self.ctx
        unit_org = self.unit.org
        lead = next(
            (i for i in self.unit.orgs if plan.orgs[i].kind == OrgKind.LEADING_GROUP), unit_org
        )
        r = self.roster.orgs[unit_org]  # a 党组 draws its attendees from the unit (attendee_pool)
        start = ACTIVITY_START.toordinal()
        seniors = [p for p in r.present(start) if p.full_since <= start and not p.retired]
        extra = sample(rng, seniors, rng.randint(4, 6), start)

        def group(day: int) -> list[int]:
            return sorted({s.member for s in r.committee(day)} | set(extra))

        for y in ctx.years:
            months = [m for m in range(1, 13) if rng.random() >= SKIP_STUDY.get(m, 0.05)]
            studies = []
            for n, m in enumerate(months, start=1):
                day = some_workday(rng, y, m, 3, 26)
                act = self.act(
                    lead, K.CENTRAL_GROUP_STUDY, f"{y}年第{n}次理论学习中心组集体学习", day
                )
                if act is None:
                    continue
                act.rows = self.invite(group(day.toordinal()), day, "2.5", attend=0.9)
                act.host = r.holder(day.toordinal(), SECRETARY)
                first = rng.random() < 0.96  # a few forget the 第一议题: the local rule notices
                agenda = [
                    (rng.choice(topics.FIRST_TOPICS), first),
                    (rng.choice(topics.STUDY_TOPICS), False),
                ]
                if rng.random() < 0.5:
                    agenda.append((topics.EXCHANGE, False))
                act.agenda = tuple(agenda)
                act.start, act.end = "08:30:00", "11:30:00"
                studies.append(act)
            self.observe(y, studies)
            yield from studies
            yield from self.seminars(lead, y, group)
            day = some_workday(rng, y, rng.randint(4, 11))
            act = self.act(lead, K.PARTY_LECTURE, f"{y}年党组（党委）书记讲党课", day)
            if act is not None:
                people = r.present(day.toordinal())
                act.host = r.holder(day.toordinal(), SECRETARY)
                pks = sorted(set(group(day.toordinal())) | set(self.pick(people, 30, day)))
                act.rows = self.invite(pks, day, "2.0", attend=0.92)
                yield act

    def observe(self, y: int, studies: list[Act]) -> None:
        """工委 staff attend (列席旁听) some studies: in 2024 exactly the shaped units."""
        rng, ctx = self.rng, self.ctx
        if not studies or not ctx.staff:
            return
        if y == SHAPED_YEAR:
            count = ctx.shape.observed.get(self.unit.index, 0)
        else:
            count = 1 if rng.random() < 0.15 else 0
        for act in rng.sample(studies, min(count, len(studies))):
            act.observers = tuple(
                sorted(rng.sample(ctx.staff, min(len(ctx.staff), rng.randint(1, 2))))
            )

    def seminars(self, lead: int, y: int, group) -> Iterator[Act]:
        rng, today = self.rng, self.ctx.today
        tagged = self.ctx.shape.seminars.get(self.unit.index, 0) if y == SHAPED_YEAR else 0
        lo, hi = DISCIPLINE_WINDOW
        if min(hi, today) < lo:
            lo = dt.date(SHAPED_YEAR, 1, 1)
        hi = min(hi, today)
        for k in range(tagged + rng.randint(1, 3)):
            if k < tagged:  # 2024's 党纪学习教育 seminars, all on or before today
                day = workday_between(rng, lo, hi)
                day = day if day <= hi else hi
                title = f"党纪学习教育：{rng.choice(topics.DISCIPLINE_SEMINARS)}"
            else:
                day = some_workday(rng, y, rng.randint(2, 12))
                title = rng.choice(topics.OTHER_SEMINARS)
            act = self.act(lead, K.SEMINAR, title, day)
            if act is None:
                continue
            act.tags = (DISCIPLINE_EDUCATION_TAG,) if k < tagged else ()
            act.rows = self.invite(group(day.toordinal()), day, "2.0", attend=0.9)
            act.start, act.end = "14:30:00", "17:30:00"
            yield act


SKIP_STUDY = {2: 0.7, 8: 0.5}  # months a 中心组 often does not meet (春节, summer)


def miss_rate(rng: random.Random) -> float:
    """A branch's chance of letting a month's meetings slip: most are diligent, a few lax."""
    u = rng.random()
    if u < 0.72:
        return rng.uniform(0.0, 0.055)
    if u < 0.93:
        return rng.uniform(0.09, 0.27)
    return rng.uniform(0.27, 0.52)
