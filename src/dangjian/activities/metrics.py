"""Activity metrics (seed-figures.md rows 3, 5, 6 and 20), each one set-based query.

Study figures count activities (restricted by the activity's org); training figures
count people (restricted by the member's org), since a city-wide course is held by the
工委 while the secretaries it trains belong to the orgs below.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Substr

from dangjian.core.metrics import MetricScope, metric
from dangjian.members.models import Member
from dangjian.orgs.models import CommitteePost, Organization, OrgKind

from .models import DISCIPLINE_EDUCATION_TAG, Activity, ActivityKind, Participation

# A unit is identified by its unit-level org: the depth-2 prefix of any org path below it.
UNIT_PREFIX = 2 * Organization.steplen


def _year(scope: MetricScope) -> tuple[dt.date, dt.date]:
    return dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)


def _activities(scope: MetricScope, **filters):
    return scope.restrict(Activity.objects.filter(held_on__range=_year(scope), **filters))


# --- 3: 列席旁听 of 中心组学习 by the 工委 ---------------------------------------------
def _observed(scope: MetricScope):
    """中心组学习 in the year with an observer holding a role at the 工委 (root org)."""
    return _activities(
        scope,
        kind=ActivityKind.CENTRAL_GROUP_STUDY,
        observers__role_assignments__org__kind=OrgKind.COMMITTEE,
        org__depth__gte=2,
    ).distinct()


@metric(
    "study.observed_units",
    "工委列席旁听理论学习中心组学习的单位数",
    "家",
    drilldown=_observed,
    description="当年理论学习中心组学习有工委人员列席旁听的市直单位（去重）。",
)
def observed_units(scope: MetricScope) -> int:
    return (
        _observed(scope)
        .annotate(unit_path=Substr("org__path", 1, UNIT_PREFIX))
        .values("unit_path")
        .distinct()
        .count()
    )


# --- 5: 中心组 seminars tagged 党纪学习教育 --------------------------------------------
def _seminars(scope: MetricScope):
    has_leading_group = Organization.objects.filter(
        kind=OrgKind.LEADING_GROUP,
        path__startswith=OuterRef("org__path"),
        depth=OuterRef("org__depth") + 1,
    )
    # A unit's leading group (党组), or the unit-level org standing in when it has none.
    leading = Q(org__kind=OrgKind.LEADING_GROUP) | (
        Q(org__kind=OrgKind.UNIT_PARTY) & ~Exists(has_leading_group)
    )
    return _activities(
        scope, kind=ActivityKind.SEMINAR, tags__code=DISCIPLINE_EDUCATION_TAG
    ).filter(leading)


@metric(
    "study.seminar_count",
    "理论学习中心组党纪学习教育专题研讨次数",
    "次",
    drilldown=_seminars,
    description="当年单位党组（党委）理论学习中心组开展的、标记为党纪学习教育的专题研讨。",
)
def seminar_count(scope: MetricScope) -> int:
    return _seminars(scope).count()


# --- 6 and 20: training --------------------------------------------------------------
def _trained(scope: MetricScope, **activity_filters):
    """Attended participations in training held in the year (not restricted: see module doc)."""
    start, end = _year(scope)
    return Participation.objects.filter(
        status="attended",
        activity__kind=ActivityKind.TRAINING,
        activity__held_on__range=(start, end),
        **{f"activity__{k}": v for k, v in activity_filters.items()},
    )


def _secretaries(scope: MetricScope):
    """Members holding a 书记 post at some point in the year."""
    start, end = _year(scope)
    return CommitteePost.objects.filter(
        Q(term__ended_on__isnull=True) | Q(term__ended_on__gte=start),
        Q(assigned_on__isnull=True) | Q(assigned_on__lte=end),
        Q(dismissed_on__isnull=True) | Q(dismissed_on__gte=start),
        post=CommitteePost.Post.SECRETARY,
        term__started_on__lte=end,
    ).values("member_id")


def _secretaries_trained(scope: MetricScope):
    trained = _trained(scope, tags__code=DISCIPLINE_EDUCATION_TAG).values("member_id")
    return scope.restrict(Member.objects.filter(pk__in=_secretaries(scope)).filter(pk__in=trained))


@metric(
    "training.secretaries_trained",
    "参加党纪学习教育集中培训的基层党组织书记人数",
    "人",
    drilldown=_secretaries_trained,
    description="当年担任书记、并出席标记为党纪学习教育的培训班的党员（去重）。",
)
def secretaries_trained(scope: MetricScope) -> int:
    return _secretaries_trained(scope).count()


def _participants(scope: MetricScope):
    return scope.restrict(Member.objects.filter(pk__in=_trained(scope).values("member_id")))


@metric(
    "training.participants",
    "参加培训班的党员人数",
    "人",
    drilldown=_participants,
    description="当年出席过培训班的党员（去重）。",
)
def training_participants(scope: MetricScope) -> int:
    return _participants(scope).count()


def _training_hours(scope: MetricScope):
    # EXISTS per participation, not `member_id IN (members in scope)`: SQLite drove the IN
    # list through the (member, activity) index — every member in scope probed for every
    # training of the year, 1.8 s for the city — where the year's training participations
    # are a few thousand rows, each checked by the member's primary key.
    in_scope = scope.restrict(Member.objects.filter(pk=OuterRef("member_id")))
    return _trained(scope).filter(Exists(in_scope))


@metric(
    "training.hours",
    "党员参加培训总学时",
    "学时",
    drilldown=_training_hours,
    description="当年党员出席培训班登记的学时合计。",
)
def training_hours(scope: MetricScope) -> float:
    total = _training_hours(scope).aggregate(total=Sum(F("hours")))["total"]
    return float(total or 0)
