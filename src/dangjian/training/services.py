"""Writes of the training app: classes, enrolments, sessions and their attendance.

Each function checks everything first (Chinese messages naming what to fix, all at once),
then writes in one transaction, audited. A session is created and its attendance recorded
through the activities service (`record_activity` / `update_activity`), so the session is
an ordinary `training` activity with its participations and 学时.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.activities import services as activity_services
from dangjian.activities.models import ActivityKind, Participation, ParticipationStatus
from dangjian.activities.validation import ACTIVITY_FIELDS, AttendeeInput
from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.members.models import Member, MembershipState

from .models import (
    MAX_HOURS,
    ClassSession,
    Enrolment,
    EnrolmentStatus,
    TrainingClass,
)

CLASS_FIELDS = (
    "org",
    "title",
    "training_type",
    "in_night_school",
    "year",
    "starts_on",
    "ends_on",
    "planned_sessions",
    "hours_per_session",
    "required_sessions",
    "capacity",
    "enrolment_open",
    "place",
    "description",
)
ENROL_PERM = "training.add_enrolment"


def today() -> dt.date:
    return timezone.localdate()


# --- classes ---------------------------------------------------------------------------


def check_class(values: dict[str, Any], errors: core_services.ErrorCollector) -> None:
    """Cross-field checks of a class (each field's own range is the form's / model's)."""
    starts, ends, year = values.get("starts_on"), values.get("ends_on"), values.get("year")
    if starts and ends and ends < starts:
        errors.add("ends_on", "结业日期应不早于开班日期。")
    if starts and year and starts.year != year:
        errors.add("year", f"年度应与开班日期的年份（{starts.year}）一致。")
    planned, required = values.get("planned_sessions"), values.get("required_sessions")
    if planned and required and required > planned:
        errors.add(
            "required_sessions", f"结业须出席课次（{required}）不能多于计划课次（{planned}）。"
        )


def save_class(user: Any, instance: TrainingClass, before: dict | None) -> TrainingClass:
    errors = core_services.ErrorCollector()
    check_class({f: getattr(instance, f, None) for f in CLASS_FIELDS}, errors)
    if instance.pk and instance.capacity:
        taken = instance.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
        if taken > instance.capacity:
            errors.add(
                "capacity", f"已有 {taken} 人报名，名额不能少于已报名人数，请改为 {taken} 或以上。"
            )
    errors.raise_if_any()
    saved = core_services.save_object(user, instance, before=before)
    assert isinstance(saved, TrainingClass)
    return saved


def delete_class(user: Any, klass: TrainingClass) -> None:
    """Delete a class with its enrolments; its sessions stay as training activities (the
    attendance and 学时 happened), only the link to the class goes."""
    core_services.delete_object(user, klass)


# --- enrolment -------------------------------------------------------------------------


def _enrol_errors(
    klass: TrainingClass, count: int, enrolled_on: dt.date, errors: core_services.ErrorCollector
) -> None:
    if not klass.enrolment_open:
        errors.add("training_class", f"“{klass.title}”已停止报名。")
    if klass.ends_on < enrolled_on:
        errors.add(
            "training_class",
            f"“{klass.title}”已于 {klass.ends_on:%Y年%m月%d日} 结业，不能再报名。",
        )
    if enrolled_on > today():
        errors.add("enrolled_on", "报名日期不能晚于今天。")
    if count == 0:
        errors.add("members", "请至少选择一名党员。")


def enrol(
    user: Any,
    klass: TrainingClass,
    members: Iterable[Any],
    enrolled_on: dt.date | None = None,
    note: str = "",
) -> list[Enrolment]:
    """Enrol members (objects or ids) in `klass`; all or none.

    Refused: a class not open or already ended, a member the user may not enrol (outside
    their scope, or no longer 在册), one already on the list, more than the places left.
    """
    if not TrainingClass.objects.restrict(user, "view").filter(pk=klass.pk).exists():
        raise core_services.OutOfScope("对象不在您的管辖范围内。")
    ids = list(dict.fromkeys(getattr(m, "pk", m) for m in members))
    enrolled_on = enrolled_on or today()
    errors = core_services.ErrorCollector()
    _enrol_errors(klass, len(ids), enrolled_on, errors)
    allowed = {
        m.pk: m
        for m in Member.objects.holding(user, ENROL_PERM)
        .filter(pk__in=ids, membership=MembershipState.NORMAL)
        .only("pk", "name", "org_id")
    }
    outside = [pk for pk in ids if pk not in allowed]
    if outside:
        errors.add(
            "members",
            f"有 {len(outside)} 名党员不在您可以报名的范围内（或已不在册），请只选择本单位、本支部的党员。",
        )
    with transaction.atomic():
        # Lock the class row: two enrolments at once cannot both take the last place.
        locked = TrainingClass.objects.select_for_update().get(pk=klass.pk)
        listed = dict(
            Enrolment.objects.filter(training_class=locked, member_id__in=ids).values_list(
                "member_id", "status"
            )
        )
        again = [allowed[pk].name for pk in ids if pk in listed and pk in allowed]
        if again:
            errors.add("members", f"{'、'.join(again)}已在本班报名名单中。")
        new = [pk for pk in ids if pk in allowed and pk not in listed]
        if locked.capacity is not None:
            taken = Enrolment.objects.filter(
                training_class=locked, status=EnrolmentStatus.ENROLLED
            ).count()
            left = max(locked.capacity - taken, 0)
            if len(new) > left:
                errors.add(
                    "members",
                    f"名额不足：本班共 {locked.capacity} 个名额，已报名 {taken} 人，"
                    f"还能报名 {left} 人，本次选择了 {len(new)} 人。",
                )
        errors.raise_if_any()
        rows = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    training_class=locked,
                    member=allowed[pk],
                    enrolled_on=enrolled_on,
                    note=(note or "").strip()[:200],
                )
                for pk in new
            ]
        )
        for row in rows:
            core_services.emit("create", row, user=user, after=snapshot(row))
    return rows


def set_enrolment_status(user: Any, enrolment: Enrolment, status: str) -> Enrolment:
    """退出 (withdraw) or back to 已报名: the member's side decides; capacity re-checked."""
    core_services.ensure_in_scope(user, enrolment, "change")
    if status not in EnrolmentStatus.values:
        raise ValidationError({"status": "状态无效，请从列表中选择。"})
    before = snapshot(enrolment)
    with transaction.atomic():
        klass = TrainingClass.objects.select_for_update().get(pk=enrolment.training_class_id)
        if status == EnrolmentStatus.ENROLLED and enrolment.status != status:
            errors = core_services.ErrorCollector()
            _enrol_errors(klass, 1, today(), errors)
            taken = klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
            if klass.capacity is not None and taken >= klass.capacity:
                errors.add("status", f"名额已满：本班共 {klass.capacity} 个名额。")
            errors.raise_if_any()
        enrolment.status = status
        enrolment.save(update_fields=["status", "updated"])
        core_services.emit("update", enrolment, user=user, before=before, after=snapshot(enrolment))
    return enrolment


# --- sessions and attendance -----------------------------------------------------------


def _check_organizer(user: Any, klass: TrainingClass) -> None:
    if not holds(user, "training.change_trainingclass", klass.org.path):
        raise core_services.OutOfScope("对象不在您的管辖范围内。")


def add_session(user: Any, klass: TrainingClass, data: dict[str, Any]) -> ClassSession:
    """A new session: a `training` activity of the class's org (a notice when only
    `planned_on` is given), linked to the class as its next 课次."""
    _check_organizer(user, klass)
    values = {k: v for k, v in data.items() if k in ACTIVITY_FIELDS}
    values.update(kind=ActivityKind.TRAINING, training_type=klass.training_type)
    values.setdefault("place", klass.place)
    day = values.get("held_on") or values.get("planned_on")
    if day is not None and not (klass.starts_on <= day <= klass.ends_on):
        raise ValidationError(
            {
                "held_on": f"课次日期应在培训班的开班、结业日期之间"
                f"（{klass.starts_on:%Y-%m-%d} 至 {klass.ends_on:%Y-%m-%d}）。"
            }
        )
    with transaction.atomic():
        TrainingClass.objects.select_for_update().get(pk=klass.pk)
        number = (
            klass.class_sessions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        activity = activity_services.record_activity(
            user, klass.org, values, fill_expected=False, invitees=[]
        )
        session = ClassSession.objects.create(
            training_class=klass, activity=activity, number=number
        )
        core_services.emit("update", klass, user=user, session_added=activity.pk, number=number)
    return session


@dataclass
class AttendanceRow:
    member_id: int
    status: str  # a ParticipationStatus, or "" for 未登记
    hours: Any = None


def parse_hours(value: Any) -> Decimal | None:
    """学时 of one row: blank, or a number from 0 to 24 (one decimal)."""
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("学时应为数字，例如 2 或 2.5") from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise ValueError(f"学时应在 0 至 {MAX_HOURS} 之间")
    return hours.quantize(Decimal("0.1"))


def record_attendance(
    user: Any, session: ClassSession, held_on: dt.date, rows: list[AttendanceRow]
) -> ClassSession:
    """Record who of the enrolled members in `rows` attended `session` (and their 学时);
    all or nothing. A row with no status removes that member's record. Every other row of
    the activity — members on another page of the form, people recorded through the
    activity's own form — is kept as it is."""
    klass = session.training_class
    _check_organizer(user, klass)
    activity = session.activity
    errors = core_services.ErrorCollector()
    enrolled = dict(
        Enrolment.objects.filter(training_class=klass, status=EnrolmentStatus.ENROLLED)
        .values_list("member_id", "member__name")
        .order_by()
    )
    listed: list[AttendeeInput] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        name = enrolled.get(row.member_id)
        if name is None:
            errors.add("participations", f"第 {number} 行的党员不是本班学员，不能登记出席。")
            continue
        if row.member_id in seen:
            errors.add("participations", f"{name}重复登记了两次。")
            continue
        seen.add(row.member_id)
        if not row.status:
            continue
        if row.status not in ParticipationStatus.values:
            errors.add("participations", f"{name}的参加情况无效，请选择出席、请假或缺席。")
            continue
        try:
            hours = parse_hours(row.hours)
        except ValueError as exc:
            errors.add("participations", f"{name}：{exc}。")
            continue
        if row.status == ParticipationStatus.ATTENDED and hours is None:
            hours = klass.hours_per_session
        if row.status != ParticipationStatus.ATTENDED:
            hours = None
        listed.append(AttendeeInput(member=row.member_id, status=row.status, hours=hours))
    if held_on > today():
        errors.add("held_on", "召开日期不能晚于今天：课次举办后再登记出席。")
    errors.raise_if_any()
    kept = [
        AttendeeInput(member=p.member_id, status=p.status, reason=p.reason, hours=p.hours)
        for p in Participation.objects.filter(activity=activity).exclude(member_id__in=seen)
    ]
    data = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
    data["held_on"] = held_on
    with transaction.atomic():
        activity_services.update_activity(
            user,
            activity,
            data,
            participations=listed + kept,
            agenda=[
                {"title": a.title, "is_first_topic": a.is_first_topic}
                for a in activity.agenda_items.all()
            ],
            tags=list(activity.tags.all()),
            observers=list(activity.observers.values_list("pk", flat=True)),
            fill_expected=False,
        )
    return session
