"""Volunteer service and 双报到 metrics (issue 13 item 5), each a few set-based queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import Substr

from dangjian.activities.models import ActivityKind, Participation, ParticipationStatus
from dangjian.core.db import path_prefix_q
from dangjian.core.metrics import MetricScope, metric
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization, OrgKind

from .coverage import active_in
from .models import CommunityRegistration, TaskForce

UNIT_PREFIX = 2 * Organization.steplen  # the unit-level org's path: its unit


def _year(scope: MetricScope) -> tuple[dt.date, dt.date]:
    return dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)


def _service(scope: MetricScope):
    """Attended participations in volunteer activities held in the year."""
    return scope.restrict(
        Participation.objects.filter(
            activity__kind=ActivityKind.VOLUNTEER,
            activity__held_on__range=_year(scope),
            status=ParticipationStatus.ATTENDED,
        )
    )


@metric(
    "volunteers.hours",
    "志愿服务时长",
    "小时",
    drilldown=_service,
    description="当年召开的志愿服务活动中，出席党员的服务时长合计（按参加记录的时长）。",
)
def hours(scope: MetricScope) -> Decimal:
    total = _service(scope).aggregate(s=Sum("hours"))["s"] or Decimal("0")
    return Decimal(total).quantize(Decimal("0.1"))  # SQLite sums decimals as floats


def _units(scope: MetricScope):
    orgs = Organization.objects.restrict(scope.user, "view").filter(kind=OrgKind.UNIT_PARTY)
    if scope.within is not None:
        orgs = orgs.filter(path_prefix_q("path", scope.within.path))
    return orgs


def _org_registrations(scope: MetricScope):
    return active_in(
        scope.restrict(CommunityRegistration.objects.filter(member__isnull=True)), scope.year
    )


def _registered_units(scope: MetricScope):
    """Unit-level orgs with an org of the unit registered with a community in the year."""
    regs = _org_registrations(scope).annotate(unit=Substr("org__path", 1, UNIT_PREFIX))
    return _units(scope).filter(Exists(regs.filter(unit=OuterRef("path"))))


@metric(
    "volunteers.registration_coverage",
    "双报到单位覆盖率",
    "%",
    drilldown=_registered_units,
    description="当年有党组织到社区报到的单位占单位（机关党组织）总数的比例。",
)
def registration_coverage(scope: MetricScope) -> float | None:
    total = _units(scope).count()
    if not total:
        return None
    return round(100 * _registered_units(scope).count() / total, 1)


def _registered_members(scope: MetricScope):
    regs = active_in(CommunityRegistration.objects.filter(member=OuterRef("pk")), scope.year)
    return scope.restrict(
        Member.objects.filter(membership=MembershipState.NORMAL).filter(Exists(regs))
    )


@metric(
    "volunteers.member_registration_coverage",
    "党员双报到覆盖率",
    "%",
    drilldown=_registered_members,
    description="在册党员中，当年到居住地社区报到的党员所占比例。",
)
def member_registration_coverage(scope: MetricScope) -> float | None:
    total = scope.restrict(Member.objects.filter(membership=MembershipState.NORMAL)).count()
    if not total:
        return None
    return round(100 * _registered_members(scope).count() / total, 1)


def _task_forces(scope: MetricScope):
    return active_in(scope.restrict(TaskForce.objects.all()), scope.year)


@metric(
    "volunteers.task_forces",
    "党员突击队（攻关组）数",
    "支",
    drilldown=_task_forces,
    description="当年在组的党员突击队和党员攻关组。",
)
def task_forces(scope: MetricScope) -> int:
    return _task_forces(scope).count()
