"""Writes that matter for activities: validated first, atomic, scope re-checked, audited.

`record_activity` saves an activity with its attendance, agenda, tags and observers in one
transaction with a constant number of queries (participations are bulk-inserted), so a
30-person meeting costs the same handful of queries as a 3-person one. Expected attendees
the caller did not list are recorded too — 缺席, or 免于参加 when an exemption covers the
day — so the attendance rate never depends on what a client chose to send.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.core.scoping import scope_q
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from . import attendance, kinds
from .membership import members_at
from .models import (
    FULL_ATTENDANCE_KINDS,
    Activity,
    ActivityKind,
    AgendaItem,
    Attachment,
    Participation,
    ParticipationStatus,
    ServiceType,
    Tag,
    TrainingType,
)

MAX_HOURS = Decimal(24)
ACTIVITY_FIELDS = (
    "kind",
    "training_type",
    "service_type",
    "title",
    "planned_on",
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "recorder",
    "minutes",
    "external_observers",
)


@dataclass
class AttendeeInput:
    member: Any  # a Member or a member id
    status: str = ParticipationStatus.ATTENDED
    reason: str = ""
    hours: Any = None

    @property
    def member_id(self) -> Any:
        return getattr(self.member, "pk", self.member)


@dataclass
class Errors:
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def activity_orgs(user: Any, action: str = "add"):
    """Orgs where `user` may record activities (form choices, API, import)."""
    q = scope_q(user, f"activities.{action}_activity", "path")
    if q is None:
        return Organization.objects.none()
    return Organization.objects.filter(q)


def _as_attendee(item: Any) -> AttendeeInput:
    if isinstance(item, AttendeeInput):
        return item
    if isinstance(item, dict):
        return AttendeeInput(
            member=item.get("member"),
            status=item.get("status") or ParticipationStatus.ATTENDED,
            reason=item.get("reason") or "",
            hours=item.get("hours"),
        )
    return AttendeeInput(member=item)


def _parse_hours(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("学时应为数字") from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise ValueError("学时应在 0 至 24 之间")
    return hours.quantize(Decimal("0.1"))


def _member_id(value: Any) -> int | None:
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@dataclass
class _Plan:
    """What validation resolved, ready to write."""

    values: dict[str, Any]
    rows: list[tuple[Member, AttendeeInput]]
    agenda: list[AgendaItem]
    tags: list[Tag]
    observer_ids: list[int]
    quorum: attendance.Quorum | None


def _validate(
    user: Any,
    org: Organization,
    data: dict[str, Any],
    participations: list[Any],
    agenda: list[Any],
    tags: list[Any],
    observers: list[Any],
    fill_expected: bool,
) -> _Plan:
    errors = Errors()
    values = {name: data.get(name) for name in ACTIVITY_FIELDS if name in data}
    for text in (
        "title",
        "place",
        "minutes",
        "external_observers",
        "training_type",
        "service_type",
    ):
        values[text] = (values.get(text) or "").strip()
    kind = values.get("kind") or ""
    held_on: dt.date | None = values.get("held_on")
    planned_on: dt.date | None = values.get("planned_on")
    today = timezone.localdate()

    if not values["title"]:
        errors.add("title", "请填写活动主题。")
    elif len(values["title"]) > 200:
        errors.add("title", "活动主题不能超过 200 个字。")
    if held_on is None and planned_on is None:
        errors.add("held_on", "请填写召开日期（尚未召开的活动请填写计划日期）。")
    if held_on is not None and held_on > today:
        errors.add(
            "held_on",
            f"召开日期 {held_on:%Y-%m-%d} 晚于今天：尚未召开的活动请只填写计划日期，召开后再登记。",
        )
    day = held_on or planned_on
    if not kind:
        errors.add("kind", "请选择活动类型。")
    elif day is not None and not (held_on is not None and held_on > today):
        problem = kinds.kind_error(org, kind, day)
        if problem:
            errors.add("kind", problem)
    if values["training_type"]:
        if kind != ActivityKind.TRAINING:
            errors.add("training_type", "只有培训班需要填写培训类型。")
        elif values["training_type"] not in TrainingType.values:
            errors.add("training_type", "培训类型无效，请从列表中选择。")
    if values["service_type"]:
        if kind != ActivityKind.VOLUNTEER:
            errors.add("service_type", "只有志愿服务需要填写服务类型。")
        elif values["service_type"] not in ServiceType.values:
            errors.add("service_type", "服务类型无效，请从列表中选择。")
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends <= starts:
        errors.add("ends_at", "结束时间应晚于开始时间。")

    attendees = [_as_attendee(p) for p in participations]
    if attendees and held_on is None:
        errors.add("participations", "尚未召开的活动不能登记参加情况，请填写召开日期。")

    # Everyone the record names, checked against the org's membership on the day in one query.
    pool = kinds.attendee_pool(org)
    host_id, recorder_id = _member_id(values.get("host")), _member_id(values.get("recorder"))
    wanted = {_member_id(a.member) for a in attendees} | {host_id, recorder_id}
    wanted.discard(None)
    check_day = held_on if held_on is not None and held_on <= today else planned_on or today
    # One query for both: the members the caller named, and (for a whole-org kind) the
    # members expected on the day, flagged by an annotation.
    expecting = (
        fill_expected
        and kind in FULL_ATTENDANCE_KINDS
        and held_on is not None
        and held_on <= today
        and not errors.by_field  # so the kind was checked above: allowed for this org
    )
    condition = (
        attendance.expected_q(org, kind, held_on) if expecting and held_on is not None else None
    )
    named = Q(pk__in=wanted - {-1})
    candidates = members_at(pool, check_day)
    if condition is None:
        found = list(candidates.filter(named)) if wanted - {-1} else []
        expected_ids: list[int] = []
    else:
        flag = (
            Case(When(condition, then=Value(True)), default=Value(False))
            if condition
            else Value(True)
        )
        if condition:
            candidates = candidates.filter(named | condition)
        found = list(candidates.annotate(is_expected=flag).order_by("org_id", "name", "pk"))
        expected_ids = [m.pk for m in found if getattr(m, "is_expected", False)]
    known: dict[int, Member] = {m.pk: m for m in found if m.pk in wanted}
    for name, mid, label in (("host", host_id, "主持人"), ("recorder", recorder_id, "记录人")):
        if mid is not None and mid not in known:
            errors.add(name, f"{label}应为“{pool.name}”在活动当日的党员，请重新选择。")
        values[name] = known.get(mid) if mid is not None else None

    rows: list[tuple[Member, AttendeeInput]] = []
    seen: dict[int, int] = {}
    for number, item in enumerate(attendees, start=1):
        mid = _member_id(item.member)
        member = known.get(mid) if mid is not None else None
        where = f"第 {number} 位参加人员"
        if member is None:
            errors.add(
                "participations",
                f"{where}不是“{pool.name}”在 {check_day:%Y-%m-%d} 的党员（或不存在），"
                "请核对后删除该行或改选本组织党员。",
            )
            continue
        where = f"{where}（{member.name}）"
        if member.pk in seen:
            errors.add(
                "participations",
                f"{where}与第 {seen[member.pk]} 位重复：每名党员只能登记一次参加情况。",
            )
            continue
        seen[member.pk] = number
        if item.status not in ParticipationStatus.values:
            errors.add(
                "participations", f"{where}的参加情况无效，请选择出席、请假、缺席或免于参加。"
            )
        try:
            item.hours = _parse_hours(item.hours)
        except ValueError as exc:
            errors.add("participations", f"{where}：{exc}。")
        item.reason = (item.reason or "").strip()[:200]
        rows.append((member, item))

    agenda_items: list[AgendaItem] = []
    first_topics = 0
    for order, entry in enumerate(agenda, start=1):
        entry = entry if isinstance(entry, dict) else {"title": str(entry)}
        title = (entry.get("title") or "").strip()
        if not title:
            continue
        if len(title) > 200:
            errors.add("agenda", f"第 {order} 项议题超过 200 个字，请精简。")
        first = bool(entry.get("is_first_topic"))
        first_topics += first
        agenda_items.append(AgendaItem(order=order, title=title[:200], is_first_topic=first))
    if first_topics > 1:
        errors.add("agenda", "只能有一项议题标记为“第一议题”。")

    tag_objs = _resolve_tags(tags, errors)
    observer_ids = _check_observers(org, observers, errors)

    committee_ids: set[int] | None = None
    if expected_ids and held_on is not None and not errors.by_field:
        by_id = {m.pk: m for m in found}
        exempt = attendance.exemptions_on(expected_ids, held_on)
        if kind == ActivityKind.COMMITTEE_MEETING:
            committee_ids = set(expected_ids)
        for mid in expected_ids:
            if mid not in seen:
                exemption = exempt.get(mid)
                status = ParticipationStatus.EXEMPT if exemption else ParticipationStatus.ABSENT
                reason = exemption.get_reason_display() if exemption else ""
                rows.append((by_id[mid], AttendeeInput(mid, status, reason)))
                seen[mid] = 0
    elif expecting and kind == ActivityKind.COMMITTEE_MEETING:
        committee_ids = set()
    errors.raise_if_any()

    quorum = None
    if held_on is not None:
        quorum = attendance.quorum(
            org, kind, held_on, [(m, a.status) for m, a in rows], committee_ids
        )
    return _Plan(values, rows, agenda_items, tag_objs, observer_ids, quorum)


def _resolve_tags(tags: list[Any], errors: Errors) -> list[Tag]:
    objs = [t for t in tags if isinstance(t, Tag)]
    codes = {str(t).strip() for t in tags if not isinstance(t, Tag) and str(t).strip()}
    if codes:
        found = {
            t.code: t
            for t in Tag.objects.filter(code__in=codes) | Tag.objects.filter(name__in=codes)
        }
        by_name = {t.name: t for t in found.values()}
        for code in sorted(codes):
            tag = found.get(code) or by_name.get(code)
            if tag is None:
                errors.add("tags", f"没有名为“{code}”的标签，请从已有标签中选择。")
            else:
                objs.append(tag)
    return list({t.pk: t for t in objs}.values())


def _check_observers(org: Organization, observers: list[Any], errors: Errors) -> list[int]:
    """列席旁听: users holding a role at an org above `org` (a strict ancestor)."""
    ids = {getattr(o, "pk", o) for o in observers if o not in (None, "")}
    if not ids:
        return []
    steplen = Organization.steplen
    ancestors = [org.path[:i] for i in range(steplen, len(org.path), steplen)]
    ok = set(
        RoleAssignment.objects.filter(user_id__in=ids, org__path__in=ancestors).values_list(
            "user_id", flat=True
        )
    )
    bad = ids - ok
    if bad:
        User = get_user_model()
        names = "、".join(str(u) for u in User.objects.filter(pk__in=bad)) or "所选用户"
        errors.add(
            "observers",
            f"列席旁听人员应为上级党组织的工作人员：{names}不在“{org.name}”的上级组织任职，请重新选择。",
        )
    return sorted(ok)


def _write(user: Any, activity: Activity, plan: _Plan, creating: bool) -> None:
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


def _summary(plan: _Plan) -> dict[str, Any]:
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
    if not activity_orgs(user, "add").filter(pk=org.pk).exists():
        raise core_services.OutOfScope("对象不在您的管辖范围内。")
    plan = _validate(
        user,
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
        _write(user, activity, plan, creating=True)
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
    plan = _validate(
        user,
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
        _write(user, activity, plan, creating=False)
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


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) is not None else None
