"""发展党员 in the demo city: a few hundred people across the five stages, written in bulk.

Each person gets one calendar from the 入党申请书 to 材料归档 that keeps every time rule of
recruitment/timerules.yaml (talk within a month, a 培养考察 every half year, a year as an
activist, training before the 预审, approval within three months, a year of probation,
转正 approval within three months), and is recorded up to today or up to the step where
they stopped; someone who stopped long ago is closed (撤回申请, 调离 …). Admitted people get
their probationary `Member` (joined on the 支部大会 date) and, once converted, are full
from the end of probation — what `recruitment.services` would have written. A few people
are placed on purpose: talks and half-year reviews overdue, an approval overdue, a
conversion not yet discussed after probation ended, and one probation extended.

Bulk inserts (no services, no audit rows), drawn from `plan.seed` so reloads are equal.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from faker import Faker

from dangjian.members.models import Member, MemberStatus, probation_end
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.termrules import add_months, add_years
from dangjian.recruitment.models import (
    STAGE_AFTER_STEP,
    Applicant,
    ApplicationFormNumber,
    ApplicationFormPool,
    PartyProbation,
    RecruitmentStep,
    Stage,
    Step,
    StepPerson,
)

from .people import id_check_digit
from .plan import CityPlan, rng_for

NEW_PEOPLE = 230  # not yet admitted, across the city
SHOWCASE_NEW = 10  # of them in the demo secretary's branch
# Every joiner of the roster in this and the two years before has the record that admitted
# them, so the 党内统计 of those years balance (admissions = joiners); of the two years before
# those, a sample (older records are rarely kept in the system).
RECORDED_YEARS = 3
ADMITTED = 140  # the sample of older joiners, over their years
SHOWCASE_ADMITTED = 8
BRANCHES = 80
BATCH = 2000
AREA = "650102"  # an area code the demo's members never use: no ID clashes with them
CLOSE_AFTER_DAYS = 200  # a person stopped for longer than this has been closed
CLOSE_REASONS = ("本人撤回入党申请", "调离本单位", "经考察暂不具备发展条件", "本人长期外出学习")
# Who a step names, and how many: 谈话人, 培养联系人, 入党介绍人.
PEOPLE_ON: dict[int, tuple[str, int]] = {
    Step.TALK: ("talker", 1),
    Step.CONTACTS: ("contact", 2),
    Step.INTRODUCERS: ("introducer", 2),
    Step.HIGHER_TALK: ("talker", 1),
}
NOTES: dict[int, str] = {
    Step.TALK: "了解入党动机和基本情况，提出努力方向。",
    Step.ACTIVIST: "经党员推荐、群众推优，支部委员会研究确定。",
    Step.REVIEW: "思想汇报按时提交，工作表现良好。",
    Step.CANDIDATE: "听取党小组、培养联系人、党员和群众意见后确定。",
    Step.TRAINING: "参加机关党委组织的发展对象培训班，考试合格。",
    Step.OATH: "在党旗下进行入党宣誓。",
}


@dataclass
class Person:
    org: Organization
    unit_org: Organization | None
    calendar: dict[int, list[dt.date]]
    last: int  # the last step recorded
    closed: bool = False
    extend: bool = False
    member: Member | None = None
    name: str = ""
    male: bool = True
    birth: dt.date = dt.date(2000, 1, 1)
    id_number: str = ""
    phone: str = ""
    steps: list[tuple[int, dt.date]] = field(default_factory=list)


def calendar(applied: dt.date, rng: random.Random) -> dict[int, list[dt.date]]:
    """Every step's date for someone applying on `applied`, keeping every time rule."""
    d: dict[int, list[dt.date]] = {1: [applied]}

    def put(step: int, day: dt.date) -> dt.date:
        d[step] = [day]
        return day

    def days(lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=rng.randint(lo, hi))

    talk = put(2, applied + days(7, 25))
    activist = put(3, add_months(talk, rng.randint(1, 4)) + days(0, 20))
    put(4, activist + days(3, 8))
    contacts = put(5, d[4][0] + days(1, 5))
    d[6] = [add_months(activist, 5), add_months(activist, 10)]
    assert d[6][0] >= contacts
    candidate = put(7, add_years(activist, 1) + days(0, 40))
    put(8, candidate + days(3, 8))
    put(9, d[8][0] + days(1, 5))
    put(10, d[9][0] + days(5, 15))
    put(11, d[10][0] + days(7, 20))
    put(12, d[11][0] + days(5, 12))
    put(13, d[12][0] + days(7, 20))
    put(14, d[13][0] + days(5, 12))
    admitted = put(15, d[14][0] + days(5, 12))
    put(16, admitted + days(5, 15))
    put(17, max(d[16][0], admitted + days(20, 60)))
    put(18, d[17][0] + days(3, 10))
    put(19, d[18][0] + days(1, 5))
    put(20, d[19][0] + days(1, 10))
    put(21, add_months(d[20][0], 3))
    ends = probation_end(admitted)
    put(22, ends - days(10, 25))
    meeting = put(23, ends + days(0, 20))
    put(24, meeting + days(15, 60))
    put(25, d[24][0] + days(5, 15))
    return d


def shifted(cal: dict[int, list[dt.date]], step: int, on: dt.date) -> dict[int, list[dt.date]]:
    """The calendar moved so that `step` falls on `on` (the rules hold on any start date,
    bar a day where 29 February shortens a year: one spare day is kept by the offsets)."""
    delta = on - cal[step][0]
    return {s: [d + delta for d in days] for s, days in cal.items()}


def _branches(orgs: list[Organization], showcase: Organization, rng: random.Random):
    branches = [o for o in orgs if o.kind == OrgKind.BRANCH and o.pk != showcase.pk]
    chosen = rng.sample(branches, min(BRANCHES, len(branches)))
    return [showcase, *chosen]


def _unit_orgs(orgs: list[Organization]) -> dict[str, Organization]:
    return {o.path: o for o in orgs if o.kind == OrgKind.UNIT_PARTY}


def _unit_of(org: Organization, units: dict[str, Organization]) -> Organization | None:
    step = Organization.steplen
    for end in range(len(org.path) - step, 0, -step):
        found = units.get(org.path[:end])
        if found is not None:
            return found
    return None


def _recent_members(today: dt.date, since: dt.date) -> list[Member]:
    """Members of the planned roster who joined in the last five years (one query): the
    admitted end of the pipeline is theirs — their 支部大会 is the day they joined. Before
    `since`, only those still on the roll (their record is a sample anyway)."""
    return list(
        Member.objects.filter(joined_on__gte=add_years(today, -5), joined_on__lte=today)
        .filter(Q(membership="normal") | Q(joined_on__gte=since))
        .select_related("org")
        .order_by("org__path", "pk")
    )


def plan_people(
    plan: CityPlan, branches: list[Organization], units: dict[str, Organization]
) -> list[Person]:
    """Who is where in the pipeline. Recent joiners of the roster get the record that
    brought them in (up to today; a full member up to 材料归档); new people apply over the
    last years and are on their way, or stopped as applicants, activists or 发展对象 (closed
    when that was long ago); then the ones placed on purpose."""
    rng = rng_for(plan.seed, "recruitment")
    today = plan.today
    people: list[Person] = []

    def add(org, cal, stop: int, keep_open: bool = False, member: Member | None = None):
        recorded = [s for s in range(1, stop + 1) if s in cal and cal[s][0] <= today]
        last = max(recorded)
        last_on = max(d for s in recorded for d in cal[s] if d <= today)
        closed = not keep_open and stop < Step.FORM and (today - last_on).days > CLOSE_AFTER_DAYS
        person = Person(org, _unit_of(org, units), cal, last, closed=closed, member=member)
        people.append(person)
        return person

    # Admitted: the roster's recent joiners (the secretary's branch first): all of those
    # since `since`, a sample of the years before.
    since = dt.date(today.year - RECORDED_YEARS + 1, 1, 1)
    recent = _recent_members(today, since)
    showcase = branches[0]
    mine = [m for m in recent if m.org.path.startswith(showcase.path)]
    others = [m for m in recent if not m.org.path.startswith(showcase.path)]
    chosen = [m for m in mine if m.joined_on >= since]
    chosen += [m for m in mine if m.joined_on < since][:SHOWCASE_ADMITTED]
    chosen += [m for m in others if m.joined_on >= since]
    # As many from each earlier year (the roster's joins pile up in the latest).
    by_year: dict[int, list[Member]] = {}
    for m in others:
        if m.joined_on < since:
            by_year.setdefault(m.joined_on.year, []).append(m)
    for _year, group in sorted(by_year.items()):
        chosen += rng.sample(group, min(len(group), ADMITTED // max(1, len(by_year))))
    placed_extension = placed_approval = None
    for m in chosen:
        cal = shifted(calendar(m.joined_on, rng), Step.ADMISSION, m.joined_on)
        if m.membership != "normal":  # admitted, then left (or lost the 预备期): up to 接收
            add(m.org, cal, Step.ADMISSION, member=m)
            continue
        if m.status == MemberStatus.FULL:
            if cal[Step.ARCHIVED][0] > today:
                if m.joined_on < since:
                    continue  # converted too recently for this calendar: leave them out
                # Kept (the admission counts in its year): recorded up to today, open.
                add(m.org, cal, Step.ARCHIVED, True, m)
                continue
            add(m.org, cal, Step.ARCHIVED, member=m)
            continue
        age = (today - m.joined_on).days
        if placed_extension is None and 300 <= age <= 360:
            placed_extension = add(m.org, cal, Step.CONTINUED_REVIEW, True, m)
            placed_extension.extend = True
        elif placed_approval is None and 95 <= age <= 150:
            placed_approval = add(m.org, cal, Step.HIGHER_TALK, True, m)  # 审批 overdue
        else:
            add(m.org, cal, Step.CONVERSION_REQUEST, True, m)

    # On their way (not yet at the 支部大会), or stopped long ago.
    for i in range(NEW_PEOPLE):
        org = showcase if i < SHOWCASE_NEW else rng.choice(branches[1:])
        stop = rng.choices((Step.FORM, Step.TALK, Step.REVIEW, Step.TRAINING), (40, 30, 15, 15))[0]
        earliest = add_months(today, -17) if stop == Step.FORM else add_years(today, -4)
        applied = earliest + dt.timedelta(days=rng.randint(0, (today - earliest).days))
        add(org, calendar(applied, rng), stop)
    # Placed on purpose: talks overdue (applied 40–90 days ago, no talk yet) and half-year
    # reviews overdue (contacts named 7–8 months ago, no review since).
    base = calendar(add_years(today, -3), rng)
    placed = [showcase, showcase, *rng.sample(branches[1:], min(3, len(branches) - 1))]
    for org in placed[:3]:
        add(org, shifted(base, 1, today - dt.timedelta(days=rng.randint(40, 90))), 1, True)
    for org in placed[3:]:
        when = add_months(today, -7) - dt.timedelta(days=rng.randint(1, 30))
        add(org, shifted(base, Step.CONTACTS, when), Step.CONTACTS, True)
    _identities(plan, [p for p in people if p.member is None])
    return people


def _identities(plan: CityPlan, people: list[Person]) -> None:
    """Names, birth dates, ID numbers and phones of the people not yet admitted."""
    rng = rng_for(plan.seed, "recruitment", "names")
    fake = Faker("zh_CN")
    fake.seed_instance(rng.randrange(2**32))
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    for p in people:
        p.male = rng.random() < 0.52
        applied = p.calendar[1][0]
        p.birth = add_years(applied, -rng.randint(20, 34)) - dt.timedelta(days=rng.randint(1, 360))
        p.name = fake.last_name() + (fake.first_name_male() if p.male else fake.first_name_female())
        while True:
            seq = rng.randrange(500) * 2 + (1 if p.male else 0)
            body = f"{AREA}{p.birth:%Y%m%d}{seq:03d}"
            if body not in used_ids:
                used_ids.add(body)
                p.id_number = body + id_check_digit(body)
                break
        while True:
            phone = f"139{rng.randrange(10**8):08d}"
            if phone not in used_phones:
                used_phones.add(phone)
                p.phone = phone
                break


def _full_members(branches: list[Organization]) -> dict[int, list[tuple[int, dt.date]]]:
    """Each branch's full members in good standing with the date they became full (one query)."""
    out: dict[int, list[tuple[int, dt.date]]] = {}
    rows = Member.objects.filter(
        org__in=branches, status=MemberStatus.FULL, membership="normal"
    ).values_list("org_id", "pk", "full_member_on", "joined_on")
    for org_id, pk, full_on, joined in rows.order_by("org_id", "pk"):
        out.setdefault(org_id, []).append((pk, full_on or joined))
    return out


def write_recruitment(plan: CityPlan, orgs: list[Organization], showcase: Organization) -> Counter:
    """Write the demo pipeline; returns the counts of what was written."""
    rng = rng_for(plan.seed, "recruitment", "rows")
    today = plan.today
    units = _unit_orgs(orgs)
    branches = _branches(orgs, showcase, rng)
    people = plan_people(plan, branches, units)
    full = _full_members(list({p.org.pk: p.org for p in people}.values()))

    # The admitted are the roster's own members; the one extension is theirs too.
    for p in people:
        if p.extend and p.member is not None:
            joined = p.member.joined_on
            Member.objects.filter(pk=p.member.pk).update(
                probation_extension_months=6,
                probation_extended_on=min(today, add_months(joined, 11)),
                probation_extension_reason="支部大会讨论认为需继续教育考察，决定延长预备期六个月。",
            )

    # 志愿书 number pools: one per 机关党委 and year, numbers issued in order of the 预审.
    pools: dict[tuple[int, int], ApplicationFormPool] = {}
    for p in people:
        if p.last >= Step.FORM and p.unit_org is not None:
            year = p.calendar[Step.PRE_REVIEW][0].year
            key = (p.unit_org.pk, year)
            if key not in pools:
                pools[key] = ApplicationFormPool(
                    org=p.unit_org,
                    year=year,
                    prefix=f"{year}{len(pools) + 1:03d}",
                    first=1,
                    last=999,
                )
    ApplicationFormPool.objects.bulk_create(list(pools.values()), batch_size=BATCH)
    issued: Counter = Counter()

    applicants = []
    for p in people:
        m = p.member
        last_on = max(d for s in range(1, p.last + 1) for d in p.calendar.get(s, []) if d <= today)
        a = Applicant(
            org=p.org,
            name=m.name if m else p.name,
            gender=m.gender if m else ("male" if p.male else "female"),
            ethnicity=m.ethnicity if m else "汉族",
            birth_date=m.birth_date if m else p.birth,
            id_number=m.id_number if m else p.id_number,
            phone=m.phone if m else p.phone,
            education=m.education if m else "bachelor",
            unit_id=p.org.unit_id,
            job_title=m.job_title if m else rng.choice(("科员", "一级科员", "四级主任科员")),
            applied_on=p.calendar[1][0],
            last_step=p.last,
            last_step_on=last_on,
            stage=_stage(p.last),
            member=m,
            political_review="经政治审查，本人及直系亲属政治历史清楚，政治审查合格。"
            if p.last >= Step.POLITICAL_REVIEW
            else "",
        )
        if p.closed:
            a.closed_on = min(today, last_on + dt.timedelta(days=rng.randint(30, 150)))
            a.closed_reason = rng.choice(CLOSE_REASONS)
        if p.last >= Step.FORM and p.unit_org is not None:
            key = (p.unit_org.pk, p.calendar[Step.PRE_REVIEW][0].year)
            issued[key] += 1
            a.application_form_number = pools[key].code(issued[key])
        a.prepare()
        applicants.append(a)
    Applicant.objects.bulk_create(applicants, batch_size=BATCH)

    numbers = []
    counter: Counter = Counter()
    for p, a in zip(people, applicants, strict=True):
        if a.application_form_number and p.unit_org is not None:
            key = (p.unit_org.pk, p.calendar[Step.PRE_REVIEW][0].year)
            counter[key] += 1
            numbers.append(
                ApplicationFormNumber(
                    pool=pools[key],
                    number=counter[key],
                    code=a.application_form_number,
                    applicant=a,
                    issued_on=p.calendar[Step.PRE_REVIEW][0],
                )
            )
    ApplicationFormNumber.objects.bulk_create(numbers, batch_size=BATCH)

    steps: list[RecruitmentStep] = []
    roles: list[tuple[int, str, int]] = []  # (index into steps, role, member id)
    for p, a in zip(people, applicants, strict=True):
        branch_full = full.get(p.org.pk, [])
        for s in range(1, p.last + 1):
            for day in p.calendar.get(s, []):
                if day > today:
                    continue
                row = RecruitmentStep(applicant=a, step=s, done_on=day, note=NOTES.get(s, ""))
                if s == Step.TRAINING:
                    row.training_days = 3
                if s in (Step.COMMITTEE_REVIEW, Step.ADMISSION, Step.CONVERSION_MEETING):
                    expected = max(len(branch_full), 3)
                    present = expected - rng.randint(0, max(0, (expected - 1) // 3))
                    row.expected, row.present = expected, present
                    row.votes_yes, row.votes_no, row.votes_abstain = present, 0, 0
                steps.append(row)
                eligible = [pk for pk, since in branch_full if since and since < day]
                if s in PEOPLE_ON and len(eligible) >= 2:
                    role, n = PEOPLE_ON[s]
                    roles.extend((len(steps) - 1, role, pk) for pk in rng.sample(eligible, n))
    RecruitmentStep.objects.bulk_create(steps, batch_size=BATCH)
    StepPerson.objects.bulk_create(
        [StepPerson(step=steps[i], role=role, member_id=pk) for i, role, pk in roles],
        batch_size=BATCH,
    )
    return Counter(applicants=len(applicants), recruitment_steps=len(steps))


def _stage(last: int) -> str:
    stage: str = Stage.APPLICANT
    for step, value in STAGE_AFTER_STEP.items():
        if step <= last:
            stage = value
    return stage


def reset_recruitment() -> None:
    """Delete the pipeline before the members and orgs it protects (demo reset)."""
    StepPerson.objects.all().delete()
    RecruitmentStep.objects.all().delete()
    ApplicationFormNumber.objects.all().delete()
    Applicant.objects.all().delete()
    ApplicationFormPool.objects.all().delete()
    PartyProbation.objects.all().delete()
