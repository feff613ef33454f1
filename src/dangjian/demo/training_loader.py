"""培训班与夜校 in the demo city (issue 13), built on the city's training activities.

- The 2024 党纪学习教育 training of the grassroots secretaries (citywide.py: the sessions
  that make `training.secretaries_trained` 1200余) becomes a 轮训班: its existing activities
  are the class's sessions and everyone invited to one is enrolled. Nothing of those
  activities changes, so the activities' `training.*` figures hold exactly.
- Each other year's 基层党组织书记能力提升培训班 of the 工委 becomes a 示范培训班 of one session.
- The 2024 机关夜校: six courses of the 工委 (声乐班, 书法班, 摄影班, two 讲堂 series, a
  研修班) with a couple of thousand members enrolled from across the city, and their
  evening sessions as new `training` activities — untagged, so `secretaries_trained` is
  untouched; `training.participants` and `training.hours` grow by the night school.
- A course of the current year still open for enrolment (the demo's "报名" works).
- The showcase branch's members enrol in the 青年讲堂, so the 我的 page shows 学时.

Deterministic (seeded generators, rows in key order), bulk inserts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from dangjian.activities.models import (
    DISCIPLINE_EDUCATION_TAG,
    Activity,
    ActivityKind,
    Participation,
    ParticipationStatus,
    TrainingType,
)
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization
from dangjian.training.models import ClassSession, Enrolment, EnrolmentStatus, TrainingClass

from . import bulk
from .plan import CityPlan, rng_for

NIGHT_YEAR = 2024
NIGHT_PLACE = "市直机关党员活动中心"
# (title, type, sessions, hours per session, required, capacity, first month, topics)
COURSES = (
    (
        "机关夜校声乐班",
        TrainingType.NIGHT_SCHOOL,
        10,
        "2.0",
        7,
        60,
        3,
        ("发声与气息", "合唱声部训练", "红色经典歌曲学唱", "《没有共产党就没有新中国》排练"),
    ),
    (
        "机关夜校书法班",
        TrainingType.NIGHT_SCHOOL,
        8,
        "2.0",
        6,
        40,
        3,
        ("楷书笔法", "结构与章法", "书写党章选段", "作品点评"),
    ),
    (
        "机关夜校摄影班",
        TrainingType.NIGHT_SCHOOL,
        6,
        "2.0",
        4,
        40,
        5,
        ("构图基础", "光线运用", "新闻摄影与宣传报道", "作品点评"),
    ),
    (
        "机关夜校“青年讲堂”",
        TrainingType.LECTURE_HALL,
        8,
        "2.0",
        5,
        1000,
        3,
        ("新时代青年的使命担当", "党史中的青年", "调查研究方法", "公文写作实务"),
    ),
    (
        "机关夜校“法治讲堂”",
        TrainingType.LECTURE_HALL,
        6,
        "2.0",
        4,
        800,
        4,
        ("宪法与依法行政", "行政复议与诉讼", "政府采购法规", "保密法律常识"),
    ),
    (
        "机关夜校党务工作研修班",
        TrainingType.WORKSHOP,
        6,
        "3.0",
        5,
        80,
        6,
        ("支部工作条例解读", "三会一课规范", "发展党员工作流程", "党费收缴管理"),
    ),
)
CHINESE_NUMBERS = "一二三四五六七八九十"


def _enrolment_writer() -> bulk.RowWriter:
    return bulk.RowWriter.for_model(
        Enrolment,
        ("created", "updated", "training_class_id", "member_id", "enrolled_on", "status", "note"),
        batch=20_000,
    )


def _evening(rng, start: dt.date, step: int, k: int) -> dt.date:
    """The k-th session: `step` days apart from `start`, moved to a Tuesday–Thursday."""
    day = start + dt.timedelta(days=k * step + rng.randint(0, 2))
    while day.weekday() not in (1, 2, 3):
        day += dt.timedelta(days=1)
    return day


def _pool(plan: CityPlan) -> list[tuple[int, int]]:
    """(member id, org id) of members on the roll since before the night-school year."""
    return list(
        Member.objects.filter(
            membership=MembershipState.NORMAL, joined_on__lt=dt.date(NIGHT_YEAR, 1, 1)
        )
        .order_by("pk")
        .values_list("pk", "org_id")
    )


def _classes_on_existing(root: Organization, plan: CityPlan) -> tuple[int, int, int]:
    """The 轮训班 (2024 党纪学习教育) and each year's 示范培训班 over the 工委's activities."""
    trainings = list(
        Activity.objects.filter(org=root, kind=ActivityKind.TRAINING, held_on__isnull=False)
        .filter(
            Q(tags__code=DISCIPLINE_EDUCATION_TAG)
            | Q(training_type=TrainingType.DEMONSTRATION, held_on__year__gt=NIGHT_YEAR)
            | Q(training_type=TrainingType.DEMONSTRATION, held_on__year__lt=NIGHT_YEAR)
        )
        .distinct()
        .order_by("held_on", "pk")
    )
    rotation = [a for a in trainings if a.training_type == TrainingType.ROTATION]
    demos = [a for a in trainings if a.training_type == TrainingType.DEMONSTRATION]
    groups: list[tuple[TrainingClass, list[Activity]]] = []
    if rotation:
        first, last = rotation[0].held_on, rotation[-1].held_on
        assert first is not None and last is not None
        groups.append(
            (
                TrainingClass(
                    org=root,
                    # "…集中培训班（第一期）" → "…集中轮训班": the class the 期 belong to
                    title=rotation[0].title.split("（")[0].replace("培训班", "轮训班"),
                    training_type=TrainingType.ROTATION,
                    year=first.year,
                    starts_on=first,
                    ends_on=last,
                    planned_sessions=len(rotation),
                    hours_per_session=Decimal("16.0"),
                    required_sessions=1,
                    enrolment_open=False,
                    place="市委党校",
                    description="全市基层党组织书记分期轮训，每人参加其中一期，全天集中学习党纪处分条例。",
                ),
                rotation,
            )
        )
    for a in demos:
        assert a.held_on is not None
        groups.append(
            (
                TrainingClass(
                    org=root,
                    title=a.title,
                    training_type=TrainingType.DEMONSTRATION,
                    year=a.held_on.year,
                    starts_on=a.held_on,
                    ends_on=a.held_on,
                    planned_sessions=1,
                    hours_per_session=Decimal("16.0"),
                    required_sessions=1,
                    enrolment_open=False,
                    place=a.place,
                ),
                [a],
            )
        )
    if not groups:
        return 0, 0, 0
    made = TrainingClass.objects.bulk_create([c for c, _ in groups])
    links = [
        ClassSession(training_class=klass, activity=a, number=n)
        for klass, (_c, acts) in zip(made, groups, strict=True)
        for n, a in enumerate(acts, 1)
    ]
    ClassSession.objects.bulk_create(links)
    # Everyone invited to a session (attended or excused) is enrolled: one query for all.
    klass_of = {link.activity.pk: link.training_class for link in links}
    invited = sorted(
        set(
            Participation.objects.filter(activity_id__in=klass_of).values_list(
                "activity_id", "member_id"
            )
        ),
        key=lambda r: (klass_of[r[0]].pk, r[1]),
    )
    writer, now, seen = _enrolment_writer(), bulk.now_value(), set()
    for activity_id, member_id in invited:
        klass = klass_of[activity_id]
        if (klass.pk, member_id) in seen:
            continue
        seen.add((klass.pk, member_id))
        day = bulk.iso(klass.starts_on - dt.timedelta(days=14))
        writer.add((now, now, klass.pk, member_id, day, EnrolmentStatus.ENROLLED, ""))
    writer.flush()
    return len(made), len(links), writer.count


def _night_school(
    plan: CityPlan, root: Organization, pool: list[tuple[int, int]], branch: Organization
) -> tuple[int, int, int, int]:
    """The 2024 机关夜校: courses, enrolments, evening sessions with attendance."""
    today = plan.today
    if today < dt.date(NIGHT_YEAR, 3, 1) or not pool:
        return 0, 0, 0, 0
    rng = rng_for(plan.seed, "training", "night-school")
    showcase = sorted(
        Member.objects.filter(
            org__path__startswith=branch.path,
            membership=MembershipState.NORMAL,
            joined_on__lt=dt.date(NIGHT_YEAR, 1, 1),
        ).values_list("pk", flat=True)
    )
    ids = [pk for pk, _org in pool]
    classes, plans = [], []
    for title, kind, n, hrs, required, cap, month, topics in COURSES:
        start = dt.date(NIGHT_YEAR, month, 5)
        step = 14 if n <= 8 else 10
        rng_c = rng_for(plan.seed, "training", title)
        days = [_evening(rng_c, start, step, k) for k in range(n)]
        size = min(cap, max(3, len(ids) * cap // 25_000))
        chosen = rng_c.sample(ids, min(size, len(ids)))
        if title == "机关夜校“青年讲堂”":  # the showcase branch first: 我的学时 has rows
            chosen = list(dict.fromkeys([*showcase, *chosen]))
        members = sorted(chosen[:cap])
        classes.append(
            TrainingClass(
                org=root,
                title=f"{NIGHT_YEAR}年{title}",
                training_type=kind,
                in_night_school=True,
                year=NIGHT_YEAR,
                starts_on=days[0],
                ends_on=days[-1],
                planned_sessions=n,
                hours_per_session=Decimal(hrs),
                required_sessions=required,
                capacity=cap,
                enrolment_open=False,
                place=NIGHT_PLACE,
                description=f"{NIGHT_YEAR}年机关夜校课程，每期 {n} 课次，工作日晚上 19:00 开课，面向市直机关全体党员。",
            )
        )
        plans.append((title, days, members, hrs, topics))
    made = TrainingClass.objects.bulk_create(classes)
    now = timezone.now()
    acts, act_keys = [], []
    for klass, (_title, days, _members, _hrs, topics) in zip(made, plans, strict=True):
        for k, day in enumerate(days):
            if day > today:
                break
            number = CHINESE_NUMBERS[k] if k < 10 else str(k + 1)
            acts.append(
                Activity(
                    org=root,
                    kind=ActivityKind.TRAINING,
                    training_type=klass.training_type,
                    title=f"{klass.title}第{number}课：{topics[k % len(topics)]}",
                    held_on=day,
                    starts_at=dt.time(19, 0),
                    ends_at=dt.time(21, 0) if klass.hours_per_session <= 2 else dt.time(22, 0),
                    place=NIGHT_PLACE,
                    created=now,
                    updated=now,
                )
            )
            act_keys.append((klass, k + 1))
    made_acts = Activity.objects.bulk_create(acts, batch_size=500)
    ClassSession.objects.bulk_create(
        [
            ClassSession(training_class=klass, activity=a, number=n)
            for a, (klass, n) in zip(made_acts, act_keys, strict=True)
        ]
    )
    by_class: dict[int, list[Activity]] = {}
    for a, (klass, _n) in zip(made_acts, act_keys, strict=True):
        by_class.setdefault(klass.pk, []).append(a)
    enrolments = _enrolment_writer()
    participations = bulk.RowWriter.for_model(
        Participation,
        ("created", "updated", "activity_id", "member_id", "status", "reason", "hours"),
        batch=20_000,
    )
    stamp = bulk.now_value()
    for klass, (_title, _days, members, hrs, _topics) in zip(made, plans, strict=True):
        enrol_day = bulk.iso(klass.starts_on - dt.timedelta(days=10))
        for pk in members:
            # Some drop out after a few sessions (退出), and attend less.
            withdrawn = rng.random() < 0.04
            status = EnrolmentStatus.WITHDRAWN if withdrawn else EnrolmentStatus.ENROLLED
            enrolments.add((stamp, stamp, klass.pk, pk, enrol_day, status, ""))
            keen = 0.25 if withdrawn else rng.choice((0.6, 0.8, 0.9, 0.95))
            for a in by_class.get(klass.pk, []):
                roll = rng.random()
                if roll < keen:
                    participations.add(
                        (stamp, stamp, a.pk, pk, ParticipationStatus.ATTENDED, "", hrs)
                    )
                elif roll < keen + 0.08 and not withdrawn:
                    participations.add(
                        (stamp, stamp, a.pk, pk, ParticipationStatus.LEAVE, "工作冲突", None)
                    )
    enrolments.flush()
    participations.flush()
    return len(made), len(made_acts), enrolments.count, participations.count


def _open_course(plan: CityPlan, root: Organization) -> int:
    """A course of the current year still taking enrolments (no sessions held yet)."""
    today = plan.today
    if today.year <= NIGHT_YEAR:
        return 0
    TrainingClass.objects.create(
        org=root,
        title=f"{today.year}年机关夜校声乐班（第二期）",
        training_type=TrainingType.NIGHT_SCHOOL,
        in_night_school=True,
        year=today.year,
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        planned_sessions=10,
        hours_per_session=Decimal("2.0"),
        required_sessions=7,
        capacity=60,
        enrolment_open=True,
        place=NIGHT_PLACE,
        description="每周三晚上 19:00 开课，面向市直机关全体党员，报名满 60 人截止。",
    )
    return 1


def write_training(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    root = orgs[0]
    classes, sessions, enrolled = _classes_on_existing(root, plan)
    pool = _pool(plan)
    n_classes, n_acts, n_enrolled, n_rows = _night_school(plan, root, pool, branch)
    opened = _open_course(plan, root)
    return {
        "training_classes": classes + n_classes + opened,
        "training_sessions": sessions + n_acts,
        "training_enrolments": enrolled + n_enrolled,
        "night_school_participations": n_rows,
    }


def reset_training() -> None:
    """Delete what write_training wrote (before the members and orgs it names). The night
    school's activities go with the activity tables (activity_loader.reset_activities)."""
    Enrolment.objects.all().delete()
    ClassSession.objects.all().delete()
    TrainingClass.objects.all().delete()
