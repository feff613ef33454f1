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

from .attachments import CONTENT_TYPES, clean_name, store_upload
from .models import Activity, AgendaItem, Attachment, NoticeReceipt, Participation, Tag
from .validation import AttendeeInput, Plan, validate

__all__ = ["AttendeeInput", "delete_activity", "record_activity", "save_tag", "update_activity"]


def _write(activity: Activity, plan: Plan, creating: bool, user: Any, stored: list[str]) -> None:
    """Write the record's rows. Stored file names are appended to `stored` as they are
    written, for the caller to remove should the transaction fail."""
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
    if plan.invitees is not None:
        _sync_receipts(activity, plan.invitees, creating)
    _store_uploads(activity, plan.uploads, user, stored)


def _sync_receipts(activity: Activity, invitees: list[Any], creating: bool) -> None:
    """One receipt per member the notice is sent to; kept receipts keep their read time."""
    wanted = {m.pk for m in invitees}
    have: set[int] = set()
    if not creating:
        activity.receipts.exclude(member_id__in=wanted).delete()
        have = set(activity.receipts.values_list("member_id", flat=True))
    NoticeReceipt.objects.bulk_create(
        [NoticeReceipt(activity=activity, member_id=pk) for pk in sorted(wanted - have)]
    )


def _store_uploads(activity: Activity, uploads: list[Any], user: Any, stored: list[str]) -> None:
    """Files checked by `validation` (kind in `dj_kind`), stored with the record."""
    rows = []
    for upload in uploads:
        written = store_upload(upload, upload.dj_kind, Attachment.storage_dir())
        stored.append(written.name)
        rows.append(
            Attachment(
                activity=activity,
                original_name=clean_name(upload.name),
                stored_name=written.name,
                content_type=CONTENT_TYPES[upload.dj_kind],
                size=written.size,
                sha256=written.sha256,
                uploaded_by=_user_or_none(user),
            )
        )
    for attachment in Attachment.objects.bulk_create(rows):
        core_services.emit("create", attachment, after=snapshot(attachment))


def _summary(plan: Plan) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for _m, a in plan.rows:
        counts[a.status] = counts.get(a.status, 0) + 1
    summary: dict[str, Any] = {
        "participations": counts,
        "agenda_items": len(plan.agenda),
        "tags": [t.code for t in plan.tags],
        "observers": plan.observer_ids,
    }
    if plan.uploads:
        summary["attachments"] = len(plan.uploads)
    if plan.invitees is not None:
        summary["notice_receipts"] = len(plan.invitees)
    return summary


def _save(user: Any, activity: Activity, plan: Plan, creating: bool, before=None) -> Activity:
    """Write `activity` and its rows in one transaction; files stored for it are removed
    again when anything fails (nothing half written)."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            activity.save()
            _write(activity, plan, creating, user, stored)
            core_services.ensure_in_scope(user, activity, "add" if creating else "change")
            core_services.emit(
                "create" if creating else "update",
                activity,
                before=before,
                after=snapshot(activity),
                **_summary(plan),
            )
    except BaseException:
        Attachment.remove_files(stored)
        raise
    activity.quorum = plan.quorum  # type: ignore[attr-defined]
    return activity


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
    uploads: list[Any] | None = None,
    invitees: list[Any] | None = None,
) -> Activity:
    """Record an activity of `org` with its attendance and attachments; all or nothing.

    Without a 召开日期 it is a notice (会议通知): `planned_on` today or later, and a
    receipt for each of `invitees` (default: the members expected on that day).

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
        uploads,
        invitees,
    )
    activity = Activity(org=org, recorded_by=_user_or_none(user), **plan.values)
    activity.quorum_met = plan.quorum.met if plan.quorum else None
    return _save(user, activity, plan, creating=True)


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
    uploads: list[Any] | None = None,
    invitees: list[Any] | None = None,
) -> Activity:
    """Replace an activity's fields, attendance, agenda, tags and observers, adding
    `uploads`; all or nothing. A notice keeps its receipts (those of `invitees`)."""
    core_services.ensure_in_scope(user, activity, "change")
    if invitees is None and activity.held_on is None and data.get("held_on") is None:
        invitees = list(activity.receipts.values_list("member_id", flat=True)) or None
    plan = validate(
        activity.org,
        data,
        participations or [],
        agenda or [],
        tags or [],
        observers or [],
        fill_expected,
        uploads,
        invitees,
    )
    before = snapshot(activity)
    for name, value in plan.values.items():
        setattr(activity, name, value)
    activity.quorum_met = plan.quorum.met if plan.quorum else None
    return _save(user, activity, plan, creating=False, before=before)


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
