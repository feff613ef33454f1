"""Writes that matter for activities: validated first, atomic, scope re-checked, audited.

`record_activity` saves an activity with its attendance, agenda, tags and observers in one
transaction with a constant number of queries (participations are bulk-inserted), so a
30-person meeting costs the same handful of queries as a 3-person one. Expected attendees
the caller did not list are recorded too — 缺席, or 免于参加 when an exemption covers the
day — so the attendance rate never depends on what a client chose to send. The checks
that run before anything is written are in `validation.py`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.orgs.models import Organization

from .models import Activity, AgendaItem, Attachment, Participation, Tag
from .validation import AttendeeInput, Plan, validate

__all__ = ["AttendeeInput", "delete_activity", "record_activity", "save_tag", "update_activity"]


def _write(activity: Activity, plan: Plan, creating: bool) -> None:
    if not creating:
        activity.participations.all().delete()
        activity.agenda_items.all().delete()
    for item in plan.agenda:
        item.activity = activity
    AgendaItem.objects.bulk_create(plan.agenda)
    Participation.objects.bulk_create(
        [
            Participation(
                activity=activity, member=m, status=a.status, reason=a.reason, hours=a.hours
            )
            for m, a in plan.rows
        ]
    )
    activity.tags.set(plan.tags)
    activity.observers.set(plan.observer_ids)


def _summary(plan: Plan) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for _m, a in plan.rows:
        counts[a.status] = counts.get(a.status, 0) + 1
    return {
        "participations": counts,
        "agenda_items": len(plan.agenda),
        "tags": [t.code for t in plan.tags],
        "observers": plan.observer_ids,
    }


def record_activity(
    user: Any,
    org: Organization,
    data: dict[str, Any],
    participations: list[Any] | None = None,
    agenda: list[Any] | None = None,
    tags: list[Any] | None = None,
    observers: list[Any] | None = None,
    *,
    fill_expected: bool = True,
) -> Activity:
    """Record an activity of `org` with its attendance; all or nothing.

    Raises ValidationError (Chinese messages keyed by field; participation errors name
    the row and the member) before anything is written, and OutOfScope when `org` is not
    in the user's scope for adding activities. The returned activity carries `quorum`
    (an `attendance.Quorum` or None) for the caller to warn about.
    """
    if not holds(user, "activities.add_activity", org.path):
        raise core_services.OutOfScope("对象不在您的管辖范围内。")
    plan = validate(
        org,
        data,
        participations or [],
        agenda or [],
        tags or [],
        observers or [],
        fill_expected,
    )
    activity = Activity(org=org, recorded_by=_user_or_none(user), **plan.values)
    activity.quorum_met = plan.quorum.met if plan.quorum else None
    with transaction.atomic():
        activity.save()
        _write(activity, plan, creating=True)
        core_services.ensure_in_scope(user, activity, "add")
        core_services.emit("create", activity, after=snapshot(activity), **_summary(plan))
    activity.quorum = plan.quorum  # type: ignore[attr-defined]
    return activity


def update_activity(
    user: Any,
    activity: Activity,
    data: dict[str, Any],
    participations: list[Any] | None = None,
    agenda: list[Any] | None = None,
    tags: list[Any] | None = None,
    observers: list[Any] | None = None,
    *,
    fill_expected: bool = True,
) -> Activity:
    """Replace an activity's fields, attendance, agenda, tags and observers; all or nothing."""
    core_services.ensure_in_scope(user, activity, "change")
    plan = validate(
        activity.org,
        data,
        participations or [],
        agenda or [],
        tags or [],
        observers or [],
        fill_expected,
    )
    before = snapshot(activity)
    for name, value in plan.values.items():
        setattr(activity, name, value)
    activity.quorum_met = plan.quorum.met if plan.quorum else None
    with transaction.atomic():
        activity.save()
        _write(activity, plan, creating=False)
        core_services.ensure_in_scope(user, activity, "change")
        core_services.emit(
            "update", activity, before=before, after=snapshot(activity), **_summary(plan)
        )
    activity.quorum = plan.quorum  # type: ignore[attr-defined]
    return activity


def delete_activity(user: Any, activity: Activity) -> None:
    """Delete an activity with its attendance; its attachment files go once committed."""
    with transaction.atomic():
        names = list(activity.attachments.values_list("stored_name", flat=True))
        core_services.delete_object(user, activity)
        Attachment.remove_files_on_commit(names)


def save_tag(user: Any, tag: Tag, before: dict | None) -> Tag:
    """Create or rename a tag; audited. Tags are the whole tree's: the caller has checked
    that `user` holds the tag permission over a root (views.can_manage_tags)."""
    with transaction.atomic():
        tag.save()
        core_services.emit(
            "update" if before else "create", tag, user=user, before=before, after=snapshot(tag)
        )
    return tag


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) is not None else None
