"""Meeting notices (会议通知): a secretary announces an activity ahead, members read it,
and after the meeting the same row is recorded as held (decisions/0010).

A notice is an `Activity` without `held_on`; `NoticeReceipt` rows name who it is sent to
and when each first opened it (回执 — optional, never forced or ranked). The writes here
are the services' (`services.record_activity` / `update_activity`) with the notice's own
checks: a notice is for today or later, and a notice is recorded as held only once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.members.ownership import own_member
from dangjian.orgs.models import Organization

from . import services
from .models import Activity, ActivityKind, NoticeReceipt

ALREADY_RECORDED = (
    "该会议通知已于 {day:%Y-%m-%d} 登记为会议记录，不能重复登记；如需修改，请编辑该记录。"
)


def default_title(kind: str, day: dt.date | None) -> str:
    """ "2026年12月支部党员大会": what a record or notice is called unless the user says."""
    if kind not in ActivityKind.values or day is None:
        return ""
    return f"{day.year}年{day.month}月{ActivityKind(kind).label}"


def schedule_notice(
    user: Any,
    org: Organization,
    data: dict[str, Any],
    agenda: list[Any] | None = None,
    invitees: list[Any] | None = None,
) -> Activity:
    """Announce an activity of `org` for `data["planned_on"]` (today or later) to
    `invitees` (default: the members expected on that day); all or nothing."""
    fields = {**data, "held_on": None}
    return services.record_activity(user, org, fields, agenda=agenda, invitees=invitees)


def update_notice(
    user: Any,
    notice: Activity,
    data: dict[str, Any],
    agenda: list[Any] | None = None,
    invitees: list[Any] | None = None,
) -> Activity:
    """Change a notice not yet recorded (time, place, agenda, who it is sent to); members
    who stay on it keep their receipts."""
    with transaction.atomic():
        _lock_scheduled(notice)
        fields = {**data, "held_on": None}
        tags = list(notice.tags.all())
        return services.update_activity(
            user, notice, fields, agenda=agenda, tags=tags, invitees=invitees
        )


def record_notice(
    user: Any,
    notice: Activity,
    data: dict[str, Any],
    participations: list[Any] | None = None,
    agenda: list[Any] | None = None,
    tags: list[Any] | None = None,
    observers: list[Any] | None = None,
    *,
    uploads: list[Any] | None = None,
) -> Activity:
    """ "Record it": the notice becomes the record of the meeting — the same row, held on
    `data["held_on"]`, with its attendance; receipts and the planned day are kept.

    Refused (ValidationError, nothing written) when it was already recorded: the row is
    locked and re-read inside the transaction, so two submissions cannot both pass.
    """
    if data.get("held_on") is None:
        raise ValidationError({"held_on": ["请填写实际召开日期。"]})
    with transaction.atomic():
        _lock_scheduled(notice)
        return services.update_activity(
            user,
            notice,
            data,
            participations,
            agenda,
            tags,
            observers,
            uploads=uploads,
        )


def _lock_scheduled(notice: Activity) -> None:
    held_on = (
        Activity.objects.select_for_update()
        .filter(pk=notice.pk)
        .values_list("held_on", flat=True)
        .first()
    )
    if held_on is not None:
        raise ValidationError({"held_on": [ALREADY_RECORDED.format(day=held_on)]})


def mark_read(user: Any, notice: Activity) -> bool:
    """The member signed in as `user` opened `notice`: their receipt records the first
    time (idempotent; audited once). False when they are not on the notice."""
    member = own_member(user)
    if member is None or notice.held_on is not None:
        return False
    receipt = NoticeReceipt.objects.filter(
        activity=notice, member=member, read_at__isnull=True
    ).first()
    if receipt is None:
        return False
    before = snapshot(receipt)
    receipt.read_at = timezone.now()
    with transaction.atomic():
        changed = NoticeReceipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(
            read_at=receipt.read_at
        )
        if changed:
            receipt.activity = notice
            core_services.emit("update", receipt, before=before, after=snapshot(receipt))
    return bool(changed)
