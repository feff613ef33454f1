"""Writes of the volunteers app: each validates everything first (Chinese messages that say
what to fix, all at once), then writes in one transaction, scope re-checked, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKind
from dangjian.core.bounds import DATE_MAX, DATE_MIN, YEAR_MAX, YEAR_MIN
from dangjian.core.models import snapshot
from dangjian.core.scoping import perm_name, scope_paths
from dangjian.core.services import ErrorCollector, OutOfScope, emit, ensure_in_scope
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .models import (
    REGISTRABLE_KINDS,
    Community,
    CommunityFeedback,
    CommunityRegistration,
    ServiceRecord,
    TaskForce,
    TaskForceMember,
)

COMMUNITY_FIELDS = ("org", "name", "district", "street", "address", "contact", "phone", "note")
REGISTRATION_FIELDS = ("org", "member", "community", "starts_on", "ends_on", "note")
FEEDBACK_FIELDS = ("community", "org", "member", "year", "rating", "text", "given_on")
TASKFORCE_FIELDS = ("org", "kind", "name", "project", "starts_on", "ends_on", "description")
TASKFORCE_MEMBER_FIELDS = ("member", "role", "joined_on", "left_on")


def today() -> dt.date:
    return timezone.localdate()


def _dates(errors: ErrorCollector, start: Any, end: Any, start_name: str, end_name: str) -> None:
    for name, value in ((start_name, start), (end_name, end)):
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            errors.add(name, f"日期超出范围：应在 {DATE_MIN.year} 年至 {DATE_MAX.year} 年之间。")
    if start is not None and end is not None and end < start:
        errors.add(end_name, "结束日期不能早于开始日期，请核对。")


def _write(user: Any, obj: Any, before: dict | None, save=None) -> Any:
    creating = before is None
    with transaction.atomic():
        (save or obj.save)()
        ensure_in_scope(user, obj, "add" if creating else "change")
        emit("create" if creating else "update", obj, before=before, after=snapshot(obj))
    return obj


def _delete(user: Any, obj: Any) -> None:
    with transaction.atomic():
        ensure_in_scope(user, obj, "delete")
        emit("delete", obj, before=snapshot(obj), after=None)
        obj.delete()


def _assign(obj: Any, names: tuple[str, ...], fields: dict[str, Any]) -> dict | None:
    before = snapshot(obj) if obj.pk else None
    for name in names:
        if name in fields:
            setattr(obj, name, fields[name])
    return before


# --- communities ----------------------------------------------------------------------
def save_community(user: Any, community: Community, **fields: Any) -> Community:
    before = _assign(community, COMMUNITY_FIELDS, fields)
    errors = ErrorCollector()
    for name in ("name", "district", "street"):
        if not (getattr(community, name) or "").strip():
            errors.add(name, "请填写此项。")
    if community.name and community.org_id:
        clash = Community.objects.filter(org_id=community.org_id, name=community.name.strip())
        if community.pk:
            clash = clash.exclude(pk=community.pk)
        if clash.exists():
            errors.add("name", "已有同名社区，请核对或在名称中注明所在街道。")
    errors.raise_if_any()
    community.name = community.name.strip()
    return _write(user, community, before)


def delete_community(user: Any, community: Community) -> None:
    errors = ErrorCollector()
    if CommunityRegistration.objects.filter(community=community).exists():
        errors.add("community", "该社区已有双报到登记，不能删除；请先删除或结束相关登记。")
    if ServiceRecord.objects.filter(community=community).exists():
        errors.add("community", "该社区已有服务记录，不能删除。")
    if CommunityFeedback.objects.filter(community=community).exists():
        errors.add("community", "该社区已有反馈记录，不能删除。")
    errors.raise_if_any()
    _delete(user, community)


# --- 双报到 ---------------------------------------------------------------------------------
def _overlapping(qs, start: dt.date, end: dt.date | None):
    """Rows of `qs` whose [starts_on, ends_on] meets [start, end] (None = open)."""
    qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    return qs if end is None else qs.filter(starts_on__lte=end)


def check_registration(user: Any, reg: CommunityRegistration) -> None:
    """Raise ValidationError (by field, in Chinese) when `reg` cannot be recorded."""
    errors = ErrorCollector()
    _dates(errors, reg.starts_on, reg.ends_on, "starts_on", "ends_on")
    if reg.community_id is None:
        errors.add("community", "请选择报到的社区。")
    elif not Community.objects.restrict(user, "view").filter(pk=reg.community_id).exists():
        errors.add("community", "所选社区不存在，或不在您可查看的范围内。")
    if reg.member_id is not None:
        member: Any = reg.member
        reg.org = member.org  # a member registers as part of their own org
        if not Member.objects.restrict(user, "view").filter(pk=member.pk).exists():
            errors.add("member", "所选党员不在您的管辖范围内。")
        elif reg.starts_on and errors.by_field.get("starts_on") is None:
            clash = _overlapping(
                CommunityRegistration.objects.filter(member_id=reg.member_id),
                reg.starts_on,
                reg.ends_on,
            ).exclude(pk=reg.pk)
            other = clash.select_related("community").first()
            if other is not None:
                errors.add(
                    "member",
                    f"{member.name}已于 {other.starts_on:%Y-%m-%d} 到「{other.community.name}」报到，"
                    "同一时间只能在一个居住地社区报到；请先填写原登记的结束日期。",
                )
    elif reg.org_id is None:
        errors.add("org", "请选择报到的党组织。")
    else:
        if reg.org.kind not in REGISTRABLE_KINDS:
            errors.add("org", "只有机关党组织、党委、党总支或党支部可以到社区报到。")
        if reg.community_id and reg.starts_on and "starts_on" not in errors.by_field:
            clash = _overlapping(
                CommunityRegistration.objects.filter(
                    org_id=reg.org_id, member__isnull=True, community_id=reg.community_id
                ),
                reg.starts_on,
                reg.ends_on,
            ).exclude(pk=reg.pk)
            if clash.exists():
                errors.add("community", "该党组织在这段时间已到此社区报到，请勿重复登记。")
    errors.raise_if_any()


def save_registration(
    user: Any, reg: CommunityRegistration, **fields: Any
) -> CommunityRegistration:
    before = _assign(reg, REGISTRATION_FIELDS, fields)
    check_registration(user, reg)
    return _write(user, reg, before)


def delete_registration(user: Any, reg: CommunityRegistration) -> None:
    _delete(user, reg)


def registered_during(year: int):
    """Registrations active at some day of `year`."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return _overlapping(CommunityRegistration.objects.all(), start, end)


# --- service records -------------------------------------------------------------------
def save_service_record(user: Any, record: ServiceRecord, **fields: Any) -> ServiceRecord:
    before = _assign(record, ("activity", "community", "note"), fields)
    errors = ErrorCollector()
    activity = record.activity if record.activity_id else None
    if activity is None:
        errors.add("activity", "请选择志愿服务活动。")
    elif activity.kind != ActivityKind.VOLUNTEER:
        errors.add("activity", "只能关联“志愿服务”类型的活动。")
    elif not Activity.objects.restrict(user, "change").filter(pk=activity.pk).exists():
        errors.add("activity", "所选活动不在您的管辖范围内。")
    elif ServiceRecord.objects.filter(activity=activity).exclude(pk=record.pk).exists():
        errors.add("activity", "该活动已关联到社区。")
    if record.community_id is None:
        errors.add("community", "请选择服务社区。")
    elif not Community.objects.restrict(user, "view").filter(pk=record.community_id).exists():
        errors.add("community", "所选社区不存在，或不在您可查看的范围内。")
    errors.raise_if_any()
    return _write(user, record, before)


def delete_service_record(user: Any, record: ServiceRecord) -> None:
    _delete(user, record)


# --- feedback ----------------------------------------------------------------------------
def recording_org(user: Any, org: Organization) -> Organization | None:
    """The org whose side records feedback on `org` for `user`: the highest org above (or
    at) `org` where the user may add feedback — the 工委 for its staff, the unit for a unit."""
    paths = [
        p for p in scope_paths(user, perm_name(CommunityFeedback, "add")) if org.path.startswith(p)
    ]
    if not paths:
        return None
    if "" in paths:
        return Organization.objects.filter(path=org.path[: Organization.steplen]).first()
    return Organization.objects.filter(path=min(paths, key=len)).first()


def check_feedback(user: Any, fb: CommunityFeedback) -> None:
    errors = ErrorCollector()
    year: int | None = fb.year
    if year is None or not YEAR_MIN <= year <= min(YEAR_MAX, today().year):
        errors.add("year", f"年度应为 {YEAR_MIN} 至 {today().year} 之间的整数，例如 2024。")
        year = None
    _dates(errors, fb.given_on, None, "given_on", "given_on")
    if fb.given_on and year and fb.given_on.year < year:
        errors.add("given_on", "反馈日期不能早于所评价的年度。")
    member: Any = fb.member
    if member is not None:
        fb.org = member.org
    if fb.org_id is None:
        errors.add("org", "请选择被评价的党组织或党员。")
    if fb.community_id is None:
        errors.add("community", "请选择社区。")
    if errors:
        errors.raise_if_any()
    assert year is not None
    regs = registered_during(year).filter(community_id=fb.community_id)
    if fb.member_id is not None:
        if not regs.filter(member_id=fb.member_id).exists():
            errors.add("member", f"{member.name}{year}年未在该社区报到，不能登记该社区对其的反馈。")
    elif not regs.filter(org_id=fb.org_id, member__isnull=True).exists():
        errors.add("org", f"{fb.org.name}{year}年未在该社区报到，不能登记该社区对其的反馈。")
    errors.raise_if_any()


def save_feedback(user: Any, fb: CommunityFeedback, **fields: Any) -> CommunityFeedback:
    before = _assign(fb, FEEDBACK_FIELDS, fields)
    check_feedback(user, fb)
    if fb.recorded_by_id is None:
        side = recording_org(user, fb.org)
        if side is None:
            raise OutOfScope("对象不在您的管辖范围内。")
        fb.recorded_by = side
    return _write(user, fb, before)


def delete_feedback(user: Any, fb: CommunityFeedback) -> None:
    _delete(user, fb)


# --- task forces ---------------------------------------------------------------------------
def save_task_force(user: Any, tf: TaskForce, **fields: Any) -> TaskForce:
    before = _assign(tf, TASKFORCE_FIELDS, fields)
    errors = ErrorCollector()
    for name in ("name", "project"):
        if not (getattr(tf, name) or "").strip():
            errors.add(name, "请填写此项。")
    _dates(errors, tf.starts_on, tf.ends_on, "starts_on", "ends_on")
    if tf.pk and tf.starts_on and "starts_on" not in errors.by_field:
        early = TaskForceMember.objects.filter(task_force=tf, joined_on__lt=tf.starts_on)
        if early.exists():
            errors.add("starts_on", "已有队员的加入日期早于组建日期，请先调整队员的加入日期。")
    errors.raise_if_any()
    return _write(user, tf, before)


def delete_task_force(user: Any, tf: TaskForce) -> None:
    _delete(user, tf)


def check_task_force_member(user: Any, row: TaskForceMember) -> None:
    errors = ErrorCollector()
    tf = row.task_force
    _dates(errors, row.joined_on, row.left_on, "joined_on", "left_on")
    if row.member_id is None:
        errors.add("member", "请选择党员。")
    else:
        member: Any = row.member
        org_path = Organization.objects.filter(pk=member.org_id).values_list("path", flat=True)
        path = org_path.first() or ""
        if not path.startswith(tf.org.path):
            errors.add(
                "member",
                f"{member.name}不属于{tf.org.name}及其下级党组织，不能加入该突击队。",
            )
        elif not Member.objects.restrict(user, "view").filter(pk=member.pk).exists():
            errors.add("member", "所选党员不在您的管辖范围内。")
        elif (
            TaskForceMember.objects.filter(task_force=tf, member_id=row.member_id)
            .exclude(pk=row.pk)
            .exists()
        ):
            errors.add("member", f"{member.name}已是该突击队队员。")
    if row.joined_on and "joined_on" not in errors.by_field:
        if row.joined_on < tf.starts_on:
            errors.add("joined_on", f"加入日期不能早于突击队组建日期（{tf.starts_on:%Y-%m-%d}）。")
        if tf.ends_on and row.joined_on > tf.ends_on:
            errors.add("joined_on", f"加入日期不能晚于突击队结束日期（{tf.ends_on:%Y-%m-%d}）。")
    errors.raise_if_any()


def save_task_force_member(user: Any, row: TaskForceMember, **fields: Any) -> TaskForceMember:
    before = _assign(row, TASKFORCE_MEMBER_FIELDS, fields)
    check_task_force_member(user, row)
    return _write(user, row, before)


def delete_task_force_member(user: Any, row: TaskForceMember) -> None:
    _delete(user, row)
