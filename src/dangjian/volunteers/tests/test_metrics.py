"""Metrics against a naive reference computed row by row in Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.activities.models import Activity, ActivityKind, Participation
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind
from dangjian.volunteers.models import CommunityRegistration

from .factories import CommunityFactory, MemberFactory, RegistrationFactory, TaskForceFactory

pytestmark = pytest.mark.django_db


def value(metric_id, year=2024, user=SYSTEM, within=None):
    return registry.get(metric_id).value(MetricScope(user, year, within))


def naive_unit_coverage(year):
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    units = list(Organization.objects.filter(kind=OrgKind.UNIT_PARTY))
    active = [
        r
        for r in CommunityRegistration.objects.select_related("org")
        if r.member_id is None and r.starts_on <= last and (r.ends_on is None or r.ends_on >= first)
    ]
    covered = [u for u in units if any(r.org.path.startswith(u.path) for r in active)]
    return round(100 * len(covered) / len(units), 1)


def test_hours_coverage_and_task_forces(tree, make_user):
    c = CommunityFactory(org=tree.root)
    members = [MemberFactory(org=tree.branch_a) for _ in range(3)]
    act = Activity.objects.create(
        org=tree.branch_a, kind=ActivityKind.VOLUNTEER, title="义诊", held_on=dt.date(2024, 5, 1)
    )
    Participation.objects.create(activity=act, member=members[0], hours="3.0")
    Participation.objects.create(activity=act, member=members[1], hours="2.5")
    Participation.objects.create(activity=act, member=members[2], hours="4.0", status="absent")
    old = Activity.objects.create(
        org=tree.branch_b, kind=ActivityKind.VOLUNTEER, title="旧", held_on=dt.date(2023, 5, 1)
    )
    Participation.objects.create(activity=old, member=MemberFactory(org=tree.branch_b), hours="9")
    study = Activity.objects.create(
        org=tree.branch_a, kind="branch_meeting", title="会", held_on=dt.date(2024, 5, 1)
    )
    Participation.objects.create(activity=study, member=members[0], hours="2.0")
    assert value("volunteers.hours") == Decimal("5.5")
    assert value("volunteers.hours", 2023) == Decimal("9.0")

    RegistrationFactory(org=tree.branch_a, community=c, starts_on=dt.date(2024, 2, 1))
    RegistrationFactory(
        org=tree.unit_b, community=c, starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2023, 6, 1)
    )
    RegistrationFactory(org=tree.branch_a, member=members[0], community=c)
    assert value("volunteers.registration_coverage") == naive_unit_coverage(2024) == 50.0
    assert value("volunteers.registration_coverage", 2023) == naive_unit_coverage(2023) == 50.0
    drill = registry.get("volunteers.registration_coverage").drilldown
    assert [o.name for o in drill(MetricScope(SYSTEM, 2024))] == ["甲局机关党委"]
    # members: 1 registered of 4 in the register
    assert value("volunteers.member_registration_coverage") == 25.0
    # a unit admin of 乙局 counts only its unit
    assert (
        value("volunteers.registration_coverage", user=make_user("unit_admin", tree.unit_b)) == 0.0
    )

    TaskForceFactory(org=tree.branch_a, starts_on=dt.date(2024, 3, 1))
    TaskForceFactory(org=tree.branch_b, starts_on=dt.date(2022, 3, 1), ends_on=dt.date(2023, 3, 1))
    assert value("volunteers.task_forces") == 1
    assert value("volunteers.task_forces", 2023) == 1
    assert value("volunteers.task_forces", 2022) == 1
    assert value("volunteers.task_forces", 2021) == 0
