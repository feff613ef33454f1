"""Checks of an activity record before anything is written: `validate(...)` → `Plan`.

Every step adds its Chinese messages to one ErrorCollector, so the user sees every
problem of the record at once, and nothing is written while there is one. The steps,
in order: the header fields; the people (one query for the members the record names and,
for a whole-org kind, the members expected on the day); host and recorder; the
attendance rows; the agenda; tags; observers; then the expected members the caller did
not list (缺席, or 免于参加 when an exemption covers the day) and the quorum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.services import ErrorCollector
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from . import attendance, kinds
from .attachments import check_upload
from .membership import members_at
from .models import (
    FULL_ATTENDANCE_KINDS,
    ActivityKind,
    AgendaItem,
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
TEXT_FIELDS = ("title", "place", "minutes", "external_observers", "training_type", "service_type")


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
class Plan:
    """What validation resolved, ready to write."""

    values: dict[str, Any]
    rows: list[tuple[Member, AttendeeInput]]
    agenda: list[AgendaItem]
    tags: list[Tag]
    observer_ids: list[int]
    quorum: attendance.Quorum | None
    uploads: list[Any]  # checked files (`dj_kind` set), stored with the record
    invitees: list[Member] | None  # a notice's expected members (NoticeReceipt); None: held


@dataclass
class _People:
    """The members the record may name, loaded once."""

    pool: Organization  # the org whose subtree attendees come from
    check_day: dt.date  # membership is checked on this day
    known: dict[int, Member]  # the named members who belong to the pool on check_day
    expected: list[Member]  # for a whole-org kind: the members expected (in table order)


def validate(
    org: Organization,
    data: dict[str, Any],
    participations: list[Any],
    agenda: list[Any],
    tags: list[Any],
    observers: list[Any],
    fill_expected: bool,
    uploads: list[Any] | None = None,
    invitees: list[Any] | None = None,
) -> Plan:
    """Check the whole record; raise one ValidationError naming every problem, or plan it."""
    errors = ErrorCollector()
    uploads = uploads or []
    today = timezone.localdate()
    values = _check_header(org, data, today, errors)
    kind, held_on = values.get("kind") or "", values.get("held_on")
    attendees = [_as_attendee(p) for p in participations]
    if attendees and held_on is None:
        errors.add("participations", "尚未召开的活动不能登记参加情况，请填写召开日期。")
    # Expected members are listed only for a whole-org kind held by today, and only once
    # the header is valid (so the kind is one this org may hold).
    expecting = (
        fill_expected
        and kind in FULL_ATTENDANCE_KINDS
        and held_on is not None
        and held_on <= today
        and not errors
    )
    people = _load_people(org, values, attendees, expecting, today)
    _check_host_and_recorder(values, people, errors)
    invited = _check_invitees(org, values, invitees, errors)
    limit = duration_hours(values.get("starts_at"), values.get("ends_at"))
    rows, seen = _check_attendance(attendees, people, limit, errors)
    _check_uploads(uploads, errors)
    agenda_items = _check_agenda(agenda, errors)
    tag_objs = _resolve_tags(tags, errors)
    observer_ids = _check_observers(org, observers, errors)
    committee_ids: set[int] | None = None
    if expecting and kind == ActivityKind.COMMITTEE_MEETING:
        committee_ids = {m.pk for m in people.expected}
    if people.expected and not errors:
        rows += _unlisted_expected(people.expected, seen, held_on)
    errors.raise_if_any()
    quorum = None
    if held_on is not None:
        quorum = attendance.quorum(
            org, kind, held_on, [(m, a.status) for m, a in rows], committee_ids
        )
    return Plan(values, rows, agenda_items, tag_objs, observer_ids, quorum, uploads, invited)


# --- the steps --------------------------------------------------------------------------


def _check_header(
    org: Organization, data: dict[str, Any], today: dt.date, errors: ErrorCollector
) -> dict[str, Any]:
    """Title, dates, kind (allowed for this org on the day), sub-types and times."""
    values = {name: data.get(name) for name in ACTIVITY_FIELDS if name in data}
    for text in TEXT_FIELDS:
        values[text] = (values.get(text) or "").strip()
    kind = values.get("kind") or ""
    held_on: dt.date | None = values.get("held_on")
    planned_on: dt.date | None = values.get("planned_on")

    if not values["title"]:
        errors.add("title", "请填写活动主题。")
    elif len(values["title"]) > 200:
        errors.add("title", "活动主题不能超过 200 个字。")
    if held_on is None and planned_on is None:
        errors.add("held_on", "请填写召开日期（尚未召开的活动请填写计划日期）。")
    future = held_on is not None and held_on > today
    if future:
        errors.add(
            "held_on",
            f"召开日期 {held_on:%Y-%m-%d} 晚于今天：尚未召开的活动请只填写计划日期，召开后再登记。",
        )
    if held_on is None and planned_on is not None:
        _check_notice_day(planned_on, values.get("starts_at"), today, errors)
    day = held_on or planned_on
    if not kind:
        errors.add("kind", "请选择活动类型。")
    elif day is not None and not future:
        problem = kinds.kind_error(org, kind, day)
        if problem:
            errors.add("kind", problem)
    _check_sub_type(values, kind, "training_type", ActivityKind.TRAINING, TrainingType, errors)
    _check_sub_type(values, kind, "service_type", ActivityKind.VOLUNTEER, ServiceType, errors)
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends <= starts:
        errors.add("ends_at", "结束时间应晚于开始时间。")
    return values


def _check_notice_day(
    planned_on: dt.date, starts_at: dt.time | None, today: dt.date, errors: ErrorCollector
) -> None:
    """A notice (no 召开日期 yet) announces a meeting to come: not a day or hour gone by."""
    if planned_on < today:
        errors.add(
            "planned_on",
            f"通知的召开日期 {planned_on:%Y-%m-%d} 已经过去：请改为今天或以后的日期；"
            "已经召开的会议请直接登记会议记录。",
        )
    elif planned_on == today and starts_at is not None:
        now = timezone.localtime().time().replace(second=0, microsecond=0)
        if starts_at < now:
            errors.add(
                "starts_at",
                f"开始时间 {starts_at:%H:%M} 已经过去：请改为稍后的时间或以后的日期；"
                "已经召开的会议请直接登记会议记录。",
            )


def duration_hours(starts: dt.time | None, ends: dt.time | None) -> Decimal | None:
    """How long the activity lasted, in hours (one decimal, rounded down), or None."""
    if starts is None or ends is None or ends <= starts:
        return None
    minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


_SUB_TYPE_LABELS = {
    "training_type": ("培训班", "培训类型"),
    "service_type": ("志愿服务", "服务类型"),
}


def _check_sub_type(
    values: dict[str, Any],
    kind: str,
    name: str,
    owner: str,
    choices: Any,
    errors: ErrorCollector,
) -> None:
    """培训类型 belongs to 培训班 only, 服务类型 to 志愿服务 only, each from its list."""
    if not values[name]:
        return
    kind_label, field_label = _SUB_TYPE_LABELS[name]
    if kind != owner:
        errors.add(name, f"只有{kind_label}需要填写{field_label}。")
    elif values[name] not in choices.values:
        errors.add(name, f"{field_label}无效，请从列表中选择。")


def _load_people(
    org: Organization,
    values: dict[str, Any],
    attendees: list[AttendeeInput],
    expecting: bool,
    today: dt.date,
) -> _People:
    """One query for both: the members the record names, and (when `expecting`) the
    members expected on the day, flagged by an annotation."""
    held_on: dt.date | None = values.get("held_on")
    planned_on: dt.date | None = values.get("planned_on")
    pool = kinds.attendee_pool(org)
    wanted = {_member_id(a.member) for a in attendees}
    wanted |= {_member_id(values.get("host")), _member_id(values.get("recorder"))}
    wanted.discard(None)
    check_day = held_on if held_on is not None and held_on <= today else planned_on or today
    named = Q(pk__in=wanted - {-1})
    candidates = members_at(pool, check_day)
    condition = (
        attendance.expected_q(org, values.get("kind") or "", held_on)
        if expecting and held_on is not None
        else None
    )
    expected: list[Member] = []
    if condition is None:
        found = list(candidates.filter(named)) if wanted - {-1} else []
    else:
        flag = (
            Case(When(condition, then=Value(True)), default=Value(False))
            if condition
            else Value(True)
        )
        if condition:
            candidates = candidates.filter(named | condition)
        found = list(candidates.annotate(is_expected=flag).order_by("org_id", "name", "pk"))
        expected = [m for m in found if getattr(m, "is_expected", False)]
    known = {m.pk: m for m in found if m.pk in wanted}
    return _People(pool, check_day, known, expected)


def _check_host_and_recorder(
    values: dict[str, Any], people: _People, errors: ErrorCollector
) -> None:
    """主持人 and 记录人 are members of the pool on the day; replaced by the loaded rows."""
    for name, label in (("host", "主持人"), ("recorder", "记录人")):
        mid = _member_id(values.get(name))
        if mid is not None and mid not in people.known:
            errors.add(name, f"{label}应为“{people.pool.name}”在活动当日的党员，请重新选择。")
        values[name] = people.known.get(mid) if mid is not None else None


def _check_attendance(
    attendees: list[AttendeeInput],
    people: _People,
    limit: Decimal | None,
    errors: ErrorCollector,
) -> tuple[list[tuple[Member, AttendeeInput]], dict[int, int]]:
    """Each listed row: a member of the pool on the day, listed once, a valid status and
    hours (no more than the activity lasted, when its times are known). Returns the rows
    and, per member id, the row number that lists them."""
    rows: list[tuple[Member, AttendeeInput]] = []
    seen: dict[int, int] = {}
    for number, item in enumerate(attendees, start=1):
        mid = _member_id(item.member)
        member = people.known.get(mid) if mid is not None else None
        where = f"第 {number} 位参加人员"
        if member is None:
            errors.add(
                "participations",
                f"{where}不是“{people.pool.name}”在 {people.check_day:%Y-%m-%d} 的党员（或不存在），"
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
        else:
            if limit is not None and item.hours is not None and item.hours > limit:
                errors.add(
                    "participations",
                    f"{where}的学时 {item.hours} 超过活动时长 {limit} 小时"
                    "（按开始、结束时间计算），请改小或核对时间。",
                )
        item.reason = (item.reason or "").strip()[:200]
        rows.append((member, item))
    return rows, seen


def _check_invitees(
    org: Organization, values: dict[str, Any], invitees: list[Any] | None, errors: ErrorCollector
) -> list[Member] | None:
    """Who a notice (no 召开日期) is sent to: the roster expected on the planned day by
    default, or the members chosen — each a member of the org on that day."""
    planned_on: dt.date | None = values.get("planned_on")
    if values.get("held_on") is not None:
        return None
    if planned_on is None or errors:
        return []
    if invitees is None:
        expected = attendance.expected_attendees(org, values.get("kind") or "", planned_on)
        return [e.member for e in expected]
    wanted = {_member_id(i) for i in invitees} - {None}
    if not wanted:
        errors.add("invitees", "请至少选择一名通知对象。")
        return []
    pool = kinds.attendee_pool(org)
    found = list(members_at(pool, planned_on).filter(pk__in=wanted - {-1}).order_by("pk"))
    missing = len(wanted) - len(found)
    if missing:
        errors.add(
            "invitees",
            f"有 {missing} 名通知对象不是“{pool.name}”的党员（或不存在），请重新选择。",
        )
    return found


def _check_uploads(uploads: list[Any], errors: ErrorCollector) -> None:
    """Attachments sent with the record: each checked by content before anything is
    written; the kind found is kept on the upload for the writer."""
    for upload in uploads:
        try:
            upload.dj_kind = check_upload(upload)
        except ValidationError as exc:
            for message in exc.messages:
                errors.add("attachments", message)


def _check_agenda(agenda: list[Any], errors: ErrorCollector) -> list[AgendaItem]:
    """Non-empty items in order, each ≤ 200 characters, at most one 第一议题."""
    items: list[AgendaItem] = []
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
        items.append(AgendaItem(order=order, title=title[:200], is_first_topic=first))
    if first_topics > 1:
        errors.add("agenda", "只能有一项议题标记为“第一议题”。")
    return items


def _resolve_tags(tags: list[Any], errors: ErrorCollector) -> list[Tag]:
    """Tags given as objects, codes or names; an unknown one is an error."""
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


def _check_observers(org: Organization, observers: list[Any], errors: ErrorCollector) -> list[int]:
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


def _unlisted_expected(
    expected: list[Member], seen: dict[int, int], held_on: dt.date | None
) -> list[tuple[Member, AttendeeInput]]:
    """Expected members the caller did not list: 免于参加 when an exemption covers the day,
    else 缺席 — so the attendance rate never depends on what a client chose to send."""
    if held_on is None:
        return []
    exempt = attendance.exemptions_on([m.pk for m in expected], held_on)
    rows: list[tuple[Member, AttendeeInput]] = []
    for member in expected:
        if member.pk in seen:
            continue
        exemption = exempt.get(member.pk)
        status = ParticipationStatus.EXEMPT if exemption else ParticipationStatus.ABSENT
        reason = exemption.get_reason_display() if exemption else ""
        rows.append((member, AttendeeInput(member.pk, status, reason)))
    return rows


# --- parsing ----------------------------------------------------------------------------


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
    if hours.is_finite() and hours < 0:
        raise ValueError("学时不能为负数")
    if not hours.is_finite() or hours > MAX_HOURS:
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
