"""What this app shows on other apps' pages: a member's and an org's 双报到 and 突击队,
a volunteer activity's community (core/panels.py), and the 我的 page's section (registered
from selfservice/me.py). Each costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.urls import NoReverseMatch, reverse

from dangjian.activities.models import ActivityKind, Participation, ParticipationStatus
from dangjian.core.db import path_prefix_q
from dangjian.core.panels import Panel, register
from dangjian.core.scoping import has_any_scope, holds

from . import services
from .coverage import active_in
from .models import CommunityRegistration, ServiceRecord, TaskForce, TaskForceMember

SHOWN = 10


def _wired() -> bool:
    """The app's pages are in the URLconf (a test URLconf of another app may leave them out:
    the panels link to them, so they stay away then)."""
    try:
        reverse("volunteers:coverage")
    except NoReverseMatch:
        return False
    return True


def _hours(participations: Any, year: int) -> Decimal:
    total = participations.filter(
        activity__kind=ActivityKind.VOLUNTEER,
        activity__held_on__year=year,
        status=ParticipationStatus.ATTENDED,
    ).aggregate(s=Sum("hours"))["s"]
    return Decimal(total or 0).quantize(Decimal("0.1"))


def member_panel(member: Any, user: Any) -> dict | None:
    if not _wired():
        return None
    regs = list(
        CommunityRegistration.objects.restrict(user, "view")
        .filter(member=member)
        .select_related("community")
        .order_by("-starts_on")[:SHOWN]
    )
    forces = list(
        TaskForceMember.objects.restrict(user, "view")
        .filter(member=member)
        .select_related("task_force")
        .order_by("-joined_on")[:SHOWN]
    )
    year = services.today().year
    hours = _hours(Participation.objects.restrict(user, "view").filter(member=member), year)
    if not regs and not forces and not hours:
        return None
    return {"registrations": regs, "task_forces": forces, "hours": hours, "year": year}


def org_panel(org: Any, user: Any) -> dict | None:
    if not _wired():
        return None
    year = services.today().year
    regs = list(
        active_in(
            CommunityRegistration.objects.restrict(user, "view").filter(
                org=org, member__isnull=True
            ),
            year,
        ).select_related("community")[:SHOWN]
    )
    forces = list(
        active_in(
            TaskForce.objects.restrict(user, "view").filter(path_prefix_q("org__path", org.path)),
            year,
        ).order_by("-starts_on")[:SHOWN]
    )
    can_view = has_any_scope(user, CommunityRegistration, "view")
    if not regs and not forces and not can_view:
        return None
    return {"org": org, "registrations": regs, "task_forces": forces, "year": year}


def activity_panel(activity: Any, user: Any) -> dict | None:
    if activity.kind != ActivityKind.VOLUNTEER or not _wired():
        return None
    record = (
        ServiceRecord.objects.restrict(user, "view")
        .filter(activity=activity)
        .select_related("community")
        .first()
    )
    can_link = holds(user, "volunteers.add_servicerecord", activity.org.path) and holds(
        user, "activities.change_activity", activity.org.path
    )
    if record is None and not can_link:
        return None
    can_change = record is not None and holds(
        user, "volunteers.change_servicerecord", activity.org.path
    )
    return {"record": record, "activity": activity, "can_link": can_link, "can_change": can_change}


def my_volunteering(member: Any, day: dt.date, user: Any) -> dict | None:
    """我的志愿服务: this year's hours and the community the member is registered with."""
    reg = (
        CommunityRegistration.objects.filter(member=member, starts_on__lte=day)
        .exclude(ends_on__lt=day)
        .select_related("community")
        .order_by("-starts_on")
        .first()
    )
    hours = _hours(Participation.objects.filter(member=member), day.year)
    forces = list(
        TaskForceMember.objects.filter(member=member)
        .exclude(left_on__lt=day)
        .select_related("task_force")[:SHOWN]
    )
    if reg is None and not hours and not forces:
        return None
    return {"registration": reg, "hours": hours, "year": day.year, "task_forces": forces}


register(
    "members.member",
    Panel("volunteers", "志愿服务与双报到", "volunteers/_member_panel.html", member_panel, 60),
)
register(
    "orgs.organization",
    Panel("volunteers", "双报到与党员突击队", "volunteers/_org_panel.html", org_panel, 60),
)
register(
    "activities.activity",
    Panel("volunteers", "服务社区", "volunteers/_activity_panel.html", activity_panel, 60),
)
