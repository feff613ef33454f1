"""The demo's 志愿服务 and 双报到 at tiny scale: most units and members registered in 2024,
volunteer activities credited to communities, 2024 feedback, task forces; deterministic;
every row passes the services' own checks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from dangjian.accounts.models import User
from dangjian.activities.models import Activity, ActivityKind
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.volunteers import services
from dangjian.volunteers.models import (
    Community,
    CommunityFeedback,
    CommunityRegistration,
    ServiceRecord,
    TaskForce,
    TaskForceMember,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


def _load(seed=3, reset=False):
    call_command(
        "demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=seed, reset=reset
    )


def _snapshot():
    return (
        sorted(Community.objects.values_list("name", "district", "street")),
        sorted(
            CommunityRegistration.objects.values_list(
                "org__name", "member__name", "community__name", "starts_on"
            ),
            key=str,
        ),
        sorted(TaskForceMember.objects.values_list("task_force__name", "member__name", "role")),
    )


def test_demo_volunteers():
    _load()
    assert 40 <= Community.objects.count() <= 60
    gongwei = User.objects.get(username="gongwei")
    scope = MetricScope(user=gongwei, year=2024)
    assert registry.get("volunteers.registration_coverage").value(scope) >= 80
    assert registry.get("volunteers.member_registration_coverage").value(scope) >= 70
    assert registry.get("volunteers.hours").value(scope) > 0
    assert registry.get("volunteers.task_forces").value(scope) >= 3
    linked = ServiceRecord.objects.count()
    volunteer = Activity.objects.filter(kind=ActivityKind.VOLUNTEER, held_on__isnull=False)
    assert 0 < linked <= volunteer.count()
    assert CommunityFeedback.objects.filter(year=2024, member__isnull=True).exists()
    assert CommunityFeedback.objects.filter(year=2024, member__isnull=False).exists()
    # the demo's rows are what the services would accept
    for reg in CommunityRegistration.objects.select_related("org", "member", "community")[:300]:
        services.check_registration(SYSTEM, reg)
    for fb in CommunityFeedback.objects.select_related("org", "member", "community"):
        services.check_feedback(SYSTEM, fb)
    for row in TaskForceMember.objects.select_related("task_force__org", "member"):
        services.check_task_force_member(SYSTEM, row)
    # the showcase branch's secretary sees a task force of its own
    shuji = User.objects.get(username="shuji")
    assert TaskForce.objects.restrict(shuji, "change").exists()
    first = _snapshot()
    _load(reset=True)
    assert _snapshot() == first
