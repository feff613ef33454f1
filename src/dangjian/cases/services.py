"""Writes of cases, ratings, awards, files and brands: every check first (Chinese messages
that say what to fix, all at once), then one audited transaction; nothing half written.

Who: a unit writes its own cases, files, awards and brands (scope: its subtree); the 工委
rates (`CaseRating.write_sides`: the rating org's side — a unit holding the rating's
permissions over its own subtree is still refused, decisions/0007).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.activities.attachments import CONTENT_TYPES, check_upload, clean_name, store_upload
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds, perm_name
from dangjian.core.services import ErrorCollector, OutOfScope, delete_object, emit, ensure_in_scope
from dangjian.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind

from .models import (
    YEAR_MIN,
    AwardLevel,
    Brand,
    Case,
    CaseAward,
    CaseFile,
    CaseRating,
    CaseStatus,
    CaseType,
    Rating,
)

CASE_FIELDS = ("org", "year", "case_type", "title", "summary")
AWARD_FIELDS = ("level", "awarding_body", "award", "year", "document_number")
BRAND_FIELDS = ("org", "name", "description", "established_year")
BRAND_YEAR_MIN = 1990

NOT_YOURS = "所选案例不存在，或不属于您所在单位，不能登记。"
ONLY_COMMITTEE = "只有工委可以评定案例；单位不能评定或修改评定结果。"


def today() -> dt.date:
    return timezone.localdate()


def year_error(year: Any, lo: int = YEAR_MIN, label: str = "年度") -> str | None:
    """None, or why `year` is refused: a whole number from `lo` to next year."""
    hi = today().year + 1
    if not isinstance(year, int) or isinstance(year, bool) or not lo <= year <= hi:
        return f"{label}应为 {lo} 至 {hi} 之间的年份（例如 {today().year}），请改正。"
    return None


def ancestor_paths(org: Organization) -> list[str]:
    step = Organization.steplen
    return [org.path[:i] for i in range(step, len(org.path) + 1, step)]


def unit_org_of(org: Organization) -> Organization | None:
    """The unit-level org (机关党组织) at or above `org` (one query; None above units)."""
    if org.kind == OrgKind.UNIT_PARTY:
        return org
    return (
        Organization.objects.filter(kind=OrgKind.UNIT_PARTY, path__in=ancestor_paths(org))
        .order_by("-depth")
        .first()
    )


def committee_of(org: Organization) -> Organization | None:
    """The 工委 at or above `org`: the one that rates its cases."""
    return (
        Organization.objects.filter(kind=OrgKind.COMMITTEE, path__in=ancestor_paths(org))
        .order_by("-depth")
        .first()
    )


# --- cases ----------------------------------------------------------------------------


def _check_case(errors: ErrorCollector, fields: dict[str, Any], instance: Case | None) -> None:
    org = fields.get("org")
    if org is None:
        errors.add("org", "请选择报送案例的党组织。")
    elif org.kind == OrgKind.COMMITTEE:
        errors.add("org", "案例由单位报送：请选择机关党组织或其下的党组织，不能选工委本身。")
    elif org.is_dissolved:
        errors.add("org", f"「{org.name}」已撤销，不能再报送案例。")
    message = year_error(fields.get("year"))
    if message:
        errors.add("year", message)
    if fields.get("case_type") not in CaseType.values:
        errors.add("case_type", "请选择类型：创新案例或研究课题。")
    title = (fields.get("title") or "").strip()
    if not title:
        errors.add("title", "请填写案例标题。")
    if not (fields.get("summary") or "").strip():
        errors.add("summary", "请填写内容摘要（做法、成效等）。")
    if org is not None and title and not message:
        clash = Case.objects.filter(org=org, year=fields["year"], title=title)
        if instance is not None and instance.pk:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.add(
                "title",
                f"「{org.name}」{fields['year']}年已有同名案例「{title}」，请改用其他标题。",
            )


def _rated(case: Case) -> bool:
    return CaseRating.objects.filter(case_id=case.pk).exists()


def save_case(user: Any, instance: Case | None = None, **fields: Any) -> Case:
    """Create (instance None) or change a case; a rated case is closed to changes."""
    errors = ErrorCollector()
    if instance is not None and instance.pk and _rated(instance):
        errors.add("title", "该案例已由工委评定，内容不能再修改。")
        errors.raise_if_any()
    _check_case(errors, fields, instance)
    errors.raise_if_any()
    creating = instance is None or instance.pk is None
    case = Case() if instance is None else instance
    before = None if creating else snapshot(case)
    for name in CASE_FIELDS:
        value = fields[name]
        setattr(case, name, value.strip() if isinstance(value, str) else value)
    with transaction.atomic():
        case.save()
        ensure_in_scope(user, case, "add" if creating else "change")
        emit(
            "create" if creating else "update", case, before=before, after=snapshot(case), user=user
        )
    return case


def submit_case(user: Any, case: Case) -> Case:
    """草稿 → 已提交 (to the 工委 for rating); audited."""
    if case.status != CaseStatus.DRAFT:
        raise ValidationError({"status": ["该案例已经提交，不需要再次提交。"]})
    before = snapshot(case)
    with transaction.atomic():
        ensure_in_scope(user, case, "change")
        case.status = CaseStatus.SUBMITTED
        case.submitted_on = today()
        case.submitted_by = user if getattr(user, "pk", None) else None
        case.save(update_fields=["status", "submitted_on", "submitted_by", "updated"])
        emit("update", case, before=before, after=snapshot(case), user=user, step="submit")
    return case


def delete_case(user: Any, case: Case) -> None:
    if _rated(case):
        raise ValidationError("该案例已由工委评定，不能删除。")
    with transaction.atomic():
        names = list(case.files.values_list("stored_name", flat=True))
        delete_object(user, case)
        CaseFile.remove_files_on_commit(names)


# --- the 工委's rating ------------------------------------------------------------------


def rate_case(user: Any, case: Case, *, rating: Any, rated_on: Any, note: str = "") -> CaseRating:
    """Rate (or re-rate) a submitted case in the name of the 工委 above it."""
    errors = ErrorCollector()
    existing = CaseRating.objects.filter(case_id=case.pk).select_related("rated_by_org").first()
    action = "change" if existing else "add"
    committee = committee_of(case.org)
    if committee is None or not holds(user, perm_name(CaseRating, action), committee.path):
        raise ValidationError({"rating": [ONLY_COMMITTEE]})
    if existing is not None and not existing.allows(user, "change"):
        raise ValidationError({"rating": [ONLY_COMMITTEE]})
    if case.status != CaseStatus.SUBMITTED:
        errors.add("rating", "该案例还是草稿，单位提交后才能评定。")
    if rating not in Rating.values:
        errors.add("rating", "请选择评定等次：优秀案例、入选案例或未入选。")
    if not isinstance(rated_on, dt.date):
        errors.add("rated_on", "请填写评定日期，例如 2024-12-20。")
    elif rated_on > today():
        errors.add("rated_on", "评定日期不能晚于今天。")
    elif rated_on < dt.date(case.year, 1, 1):
        errors.add("rated_on", f"评定日期不能早于案例年度（{case.year}年）。")
    note = (note or "").strip()
    if len(note) > 500:
        errors.add("note", "评语最多 500 字。")
    errors.raise_if_any()
    row = existing or CaseRating(case=case)
    before = snapshot(row) if existing else None
    row.rated_by_org = committee
    row.rating, row.rated_on, row.note = rating, rated_on, note
    row.rated_by = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        row.save()
        ensure_in_scope(user, row, action)
        emit(
            "create" if existing is None else "update",
            row,
            before=before,
            after=snapshot(row),
            user=user,
        )
    return row


def delete_rating(user: Any, rating: CaseRating) -> None:
    if not rating.allows(user, "delete"):
        raise OutOfScope(ONLY_COMMITTEE)
    delete_object(user, rating)


# --- awards ---------------------------------------------------------------------------


def writable_cases(user: Any):
    """The cases `user` may record things on (their own unit's)."""
    return Case.objects.restrict(user, "change")


def _check_award(errors: ErrorCollector, case: Case | None, fields: dict[str, Any]) -> None:
    if fields.get("level") not in AwardLevel.values:
        names = "、".join(str(label) for label in AwardLevel.labels)
        errors.add("level", f"请选择授予层级（{names}）。")
    if not (fields.get("award") or "").strip():
        errors.add("award", "请填写奖项，例如 二等奖案例、优秀案例。")
    message = year_error(fields.get("year"), label="获奖年度")
    if message:
        errors.add("year", message)
    elif case is not None and fields["year"] < case.year:
        errors.add("year", f"获奖年度不能早于案例年度（{case.year}年）。")


def save_award(
    user: Any, case: Case | None, instance: CaseAward | None = None, **fields: Any
) -> CaseAward:
    """Record (or change) an external award on one of the user's own cases."""
    errors = ErrorCollector()
    if case is None or not writable_cases(user).filter(pk=case.pk).exists():
        errors.add("case", NOT_YOURS)
        case = None
    _check_award(errors, case, fields)
    errors.raise_if_any()
    assert case is not None
    creating = instance is None or instance.pk is None
    award = CaseAward() if instance is None else instance
    before = None if creating else snapshot(award)
    award.case = case
    for name in AWARD_FIELDS:
        value = fields.get(name, "")
        setattr(award, name, value.strip() if isinstance(value, str) else value)
    with transaction.atomic():
        award.save()
        ensure_in_scope(user, award, "add" if creating else "change")
        emit(
            "create" if creating else "update",
            award,
            before=before,
            after=snapshot(award),
            user=user,
        )
    return award


# --- files ----------------------------------------------------------------------------


def add_file(user: Any, case: Case, upload: Any) -> CaseFile:
    """Store an attachment of `case` (type and size checked by content); audited; no file
    is left behind when the row cannot be written."""
    ensure_in_scope(user, case, "change")
    kind = check_upload(upload)
    stored = store_upload(upload, kind, CaseFile.storage_dir())
    row = CaseFile(
        case=case,
        original_name=clean_name(upload.name),
        stored_name=stored.name,
        content_type=CONTENT_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=user if getattr(user, "pk", None) is not None else None,
    )
    try:
        with transaction.atomic():
            row.save()
            ensure_in_scope(user, row, "add")
            emit("create", row, after=snapshot(row), user=user)
    except BaseException:
        CaseFile.remove_files([stored.name])
        raise
    return row


def delete_file(user: Any, row: CaseFile) -> None:
    with transaction.atomic():
        delete_object(user, row)
        CaseFile.remove_files_on_commit([row.stored_name])


# --- brands ---------------------------------------------------------------------------

BRAND_KINDS = (OrgKind.UNIT_PARTY, *GRASSROOTS_KINDS)


def _check_brand(errors: ErrorCollector, fields: dict[str, Any], instance: Brand | None):
    """Validate; returns the unit brand a branch brand hangs under (None for a unit brand)."""
    org = fields.get("org")
    parent = None
    if org is None:
        errors.add("org", "请选择品牌所属的党组织。")
    elif instance is not None and instance.pk and instance.org_id != org.pk:
        errors.add("org", "品牌所属党组织不能修改；如需调整，请删除后重新登记。")
    elif org.kind not in BRAND_KINDS:
        errors.add(
            "org",
            "品牌只能由机关党组织（单位品牌）或其下的党委、党总支、党支部（支部品牌）创建。",
        )
    else:
        mine = Brand.objects.filter(org=org)
        if instance is not None and instance.pk:
            mine = mine.exclude(pk=instance.pk)
        taken = mine.first()
        if taken is not None:
            what = "单位品牌" if org.kind == OrgKind.UNIT_PARTY else "品牌"
            errors.add(
                "org",
                f"「{org.name}」已有{what}「{taken.name}」：每个单位只有一个单位品牌、"
                "每个支部一个支部品牌（1+N），请修改已有的品牌。",
            )
        if org.kind != OrgKind.UNIT_PARTY:
            unit = unit_org_of(org)
            parent = Brand.objects.filter(org=unit).first() if unit else None
            if parent is None:
                unit_name = unit.name if unit else "所在单位"
                errors.add(
                    "org",
                    f"请先登记「{unit_name}」的单位品牌：支部品牌挂在单位品牌之下（1+N 中的“1”）。",
                )
    if not (fields.get("name") or "").strip():
        errors.add("name", "请填写品牌名称。")
    message = year_error(fields.get("established_year"), lo=BRAND_YEAR_MIN, label="创建年度")
    if message is None and fields["established_year"] > today().year:
        message = "创建年度不能晚于今年。"
    if message:
        errors.add("established_year", message)
    return parent


def save_brand(user: Any, instance: Brand | None = None, **fields: Any) -> Brand:
    errors = ErrorCollector()
    parent = _check_brand(errors, fields, instance)
    errors.raise_if_any()
    creating = instance is None or instance.pk is None
    brand = Brand() if instance is None else instance
    before = None if creating else snapshot(brand)
    for name in BRAND_FIELDS:
        value = fields.get(name, "")
        setattr(brand, name, value.strip() if isinstance(value, str) else value)
    brand.parent = parent
    with transaction.atomic():
        brand.save()
        ensure_in_scope(user, brand, "add" if creating else "change")
        emit(
            "create" if creating else "update",
            brand,
            before=before,
            after=snapshot(brand),
            user=user,
        )
    return brand


def delete_brand(user: Any, brand: Brand) -> None:
    children = brand.children.count()
    if children:
        raise ValidationError(
            f"「{brand.name}」下还有 {children} 个支部品牌，请先删除或调整这些支部品牌。"
        )
    delete_object(user, brand)
