"""Writes of the 廉政风险 register: validate everything first (Chinese messages), then write
in one transaction, audited. A unit writes its register only while the round is open; the
round (dates, closing) is the 工委's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.core.bounds import validate_date_range
from dangjian.core.models import snapshot
from dangjian.core.services import ErrorCollector, emit, ensure_in_scope, save_object
from dangjian.orgs.models import Organization, OrgKind, OrgStatus

from .models import (
    YEAR_MAX,
    YEAR_MIN,
    Institution,
    InstitutionKind,
    Measure,
    RiskCategory,
    RiskLevel,
    RiskPoint,
    RiskPost,
    RiskReview,
    RiskSubmission,
)

REVIEW_FIELDS = ("org", "year", "title", "opens_on", "due_on", "closed", "warning_activity", "note")
POINT_FIELDS = ("submission", "code", "post", "post_title", "description", "category", "level")
MEASURE_FIELDS = ("submission", "description", "responsible", "deadline")
INSTITUTION_FIELDS = ("submission", "kind", "name", "issued_on", "document_number")

CLOSED = "{year}年廉政风险排查已结束，不能再修改或提交本单位的填报；如需更正请联系工委。"
NOT_REGISTER = "请从本单位本轮的排查填报中进入，再新增或修改。"


def today() -> dt.date:
    return timezone.localdate()


def check_year(year: Any, errors: ErrorCollector, field: str = "year") -> None:
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        errors.add(field, f"年度须为 {YEAR_MIN} 至 {YEAR_MAX} 之间的整数。")


def _check_date(value: Any, field: str, label: str, errors: ErrorCollector) -> None:
    from django.core.exceptions import ValidationError

    try:
        validate_date_range(value, label)
    except ValidationError as exc:
        errors.add(field, exc.messages[0])


def unit_orgs_under(org: Organization):
    """The unit-level orgs (机关党组织) a round of `org` covers: active, in its subtree."""
    return Organization.objects.filter(
        path__startswith=org.path, kind=OrgKind.UNIT_PARTY, status=OrgStatus.ACTIVE
    )


# --- the round (the 工委's side) ---------------------------------------------------------


def save_review(user: Any, instance: RiskReview, **fields: Any) -> RiskReview:
    """Open (no pk) or change a round. Opening gives every unit under the org its register."""
    errors = ErrorCollector()
    org = fields.get("org")
    creating = instance.pk is None
    if org is None:
        errors.add("org", "请选择组织排查的党组织。")
    elif (
        not Organization.objects.holding(user, "integrity.add_riskreview")
        .filter(pk=org.pk)
        .exists()
    ):
        errors.add("org", "所选组织不在您可以组织排查的范围内。")
    check_year(fields.get("year"), errors)
    if not str(fields.get("title") or "").strip():
        errors.add("title", "请填写排查名称，例如“2025年度廉政风险排查”。")
    opens_on, due_on = fields.get("opens_on"), fields.get("due_on")
    _check_date(opens_on, "opens_on", "开始日期", errors)
    _check_date(due_on, "due_on", "填报截止日期", errors)
    if opens_on and due_on and due_on < opens_on:
        errors.add("due_on", "填报截止日期不能早于开始日期。")
    activity = fields.get("warning_activity")
    if activity is not None:
        from dangjian.activities.models import Activity, ActivityKind

        if not (
            Activity.objects.restrict(user, "view")
            .filter(pk=activity.pk, kind=ActivityKind.WARNING_EDUCATION)
            .exists()
        ):
            errors.add("warning_activity", "请选择您可以查看的警示教育活动。")
    if org is not None and isinstance(fields.get("year"), int):
        clash = RiskReview.objects.filter(org=org, year=fields["year"]).exclude(pk=instance.pk)
        if clash.exists():
            errors.add("year", f"{fields['year']}年已组织过廉政风险排查，请勿重复开启。")
    if not creating and org is not None and org.pk != instance.org_id:
        errors.add("org", "排查开启后不能更换组织单位。")
    errors.raise_if_any()
    before = None if creating else snapshot(instance)
    for name in REVIEW_FIELDS:
        if name in fields:
            setattr(instance, name, fields[name])
    instance.title = instance.title.strip()
    with transaction.atomic():
        save_object(user, instance, before=before)
        if creating:
            RiskSubmission.objects.bulk_create(
                [
                    RiskSubmission(review=instance, org_id=pk)
                    for pk in unit_orgs_under(instance.org).values_list("pk", flat=True)
                ]
            )
    return instance


def delete_review(user: Any, review: RiskReview) -> None:
    errors = ErrorCollector()
    if RiskPoint.objects.filter(submission__review=review).exists() or (
        Institution.objects.filter(submission__review=review).exists()
    ):
        errors.add("__all__", "已有单位在本轮填报了风险点或制度，不能删除；可将本轮标记为已结束。")
    errors.raise_if_any()
    with transaction.atomic():
        ensure_in_scope(user, review, "delete")
        emit("delete", review, before=snapshot(review))
        review.delete()


# --- a unit's register -------------------------------------------------------------------


def _open_register(user: Any, submission: Any, errors: ErrorCollector) -> RiskSubmission | None:
    """The register `submission` names, if the user may write it and its round is open."""
    if not isinstance(submission, RiskSubmission):
        errors.add("submission", NOT_REGISTER)
        return None
    found = (
        RiskSubmission.objects.restrict(user, "change")
        .select_related("review", "org")
        .filter(pk=submission.pk)
        .first()
    )
    if found is None:
        errors.add("submission", "该排查填报不存在，或不是您可以填报的单位。")
        return None
    if found.review.closed:
        errors.add("submission", CLOSED.format(year=found.review.year))
    return found


def register_open(submission: RiskSubmission) -> bool:
    return not submission.review.closed


def submit(user: Any, submission: RiskSubmission) -> RiskSubmission:
    """The unit hands its register in (again, after a change: the time is the latest)."""
    errors = ErrorCollector()
    found = _open_register(user, submission, errors)
    if found is not None and not errors:
        if not RiskPoint.objects.filter(submission=found).exists():
            errors.add("__all__", "本单位还没有填报风险点，请先录入或导入风险点和防控措施再提交。")
        bare = (
            RiskPoint.objects.filter(submission=found, measures__isnull=True)
            .order_by("code")
            .values_list("code", flat=True)[:5]
        )
        if bare:
            errors.add(
                "__all__",
                "以下风险点还没有防控措施：" + "、".join(bare) + "，请补充后再提交。",
            )
    errors.raise_if_any()
    assert found is not None
    before = snapshot(found)
    with transaction.atomic():
        found.submitted_at = timezone.now()
        found.submitted_by = user if getattr(user, "pk", None) else None
        found.save(update_fields=["submitted_at", "submitted_by", "updated"])
        ensure_in_scope(user, found, "change")
        emit("update", found, before=before, after=snapshot(found), step="submit")
    return found


def delete_submission(user: Any, submission: RiskSubmission) -> None:
    """The 工委 takes a unit out of a round (a unit merged away); only an empty register."""
    errors = ErrorCollector()
    if (
        RiskPoint.objects.filter(submission=submission).exists()
        or Institution.objects.filter(submission=submission).exists()
    ):
        errors.add("__all__", "该单位已填报风险点或制度，不能移出本轮排查。")
    errors.raise_if_any()
    with transaction.atomic():
        ensure_in_scope(user, submission, "delete")
        emit("delete", submission, before=snapshot(submission))
        submission.delete()


def check_point(values: dict[str, Any], errors: ErrorCollector) -> None:
    """The checks of one risk point's own fields (the form, the API and the import share them)."""
    code = str(values.get("code") or "").strip()
    if not code:
        errors.add("code", "请填写风险点编号，例如 FX-01。")
    elif len(code) > 20:
        errors.add("code", "编号不能超过 20 个字符。")
    if values.get("post") not in RiskPost.values:
        errors.add(
            "post",
            "岗位不在岗位列表中，请从：" + "、".join(str(x) for x in RiskPost.labels) + " 中选择。",
        )
    if values.get("category") not in RiskCategory.values:
        errors.add(
            "category", "风险类别须为：" + "、".join(str(x) for x in RiskCategory.labels) + "。"
        )
    if values.get("level") not in RiskLevel.values:
        errors.add("level", "风险等级须为高、中、低之一。")
    if not str(values.get("description") or "").strip():
        errors.add("description", "请描述风险点的具体表现。")


def save_point(user: Any, instance: RiskPoint, **fields: Any) -> RiskPoint:
    errors = ErrorCollector()
    register = _open_register(user, fields.get("submission"), errors)
    if instance.pk and register is not None and register.pk != instance.submission_id:
        errors.add("submission", "风险点不能移到其他单位或其他轮次的填报。")
    check_point(fields, errors)
    code = str(fields.get("code") or "").strip()
    if register is not None and code:
        clash = RiskPoint.objects.filter(submission=register, code=code).exclude(pk=instance.pk)
        if clash.exists():
            errors.add("code", f"本单位本轮已有编号为 {code} 的风险点。")
    errors.raise_if_any()
    before = snapshot(instance) if instance.pk else None
    for name in POINT_FIELDS:
        setattr(instance, name, fields.get(name, getattr(instance, name, None)))
    instance.submission = register  # type: ignore[assignment]
    instance.code = code
    instance.post_title = (instance.post_title or "").strip()
    return save_object(user, instance, before=before)  # type: ignore[return-value]


def delete_point(user: Any, point: RiskPoint) -> None:
    errors = ErrorCollector()
    _open_register(user, point.submission, errors)
    only_this = (
        Measure.objects.filter(risk_points=point)
        .exclude(risk_points__in=RiskPoint.objects.exclude(pk=point.pk))
        .exists()
    )
    if only_this:
        errors.add("__all__", "有防控措施只防控这一风险点：请先删除或改挂这些措施，再删除风险点。")
    errors.raise_if_any()
    with transaction.atomic():
        ensure_in_scope(user, point, "delete")
        emit("delete", point, before=snapshot(point))
        point.delete()


def check_measure_points(register: RiskSubmission, points: list[RiskPoint]) -> str | None:
    """Why `points` may not be linked by a measure of `register` (None when they may)."""
    if not points:
        return "请至少选择一个本单位的风险点。"
    foreign = [p for p in points if p.submission_id != register.pk]
    if foreign:
        return (
            "防控措施只能关联本单位本轮的风险点："
            + "、".join(p.code for p in foreign)
            + " 属于其他单位或其他轮次的填报。"
        )
    return None


def save_measure(
    user: Any, instance: Measure, risk_points: list[RiskPoint], **fields: Any
) -> Measure:
    errors = ErrorCollector()
    register = _open_register(user, fields.get("submission"), errors)
    if instance.pk and register is not None and register.pk != instance.submission_id:
        errors.add("submission", "防控措施不能移到其他单位或其他轮次的填报。")
    if register is not None:
        problem = check_measure_points(register, list(risk_points))
        if problem:
            errors.add("risk_points", problem)
    if not str(fields.get("description") or "").strip():
        errors.add("description", "请填写防控措施的内容。")
    if not str(fields.get("responsible") or "").strip():
        errors.add("responsible", "请填写责任人（或责任岗位）。")
    _check_date(fields.get("deadline"), "deadline", "完成时限", errors)
    errors.raise_if_any()
    before = snapshot(instance) if instance.pk else None
    for name in MEASURE_FIELDS:
        setattr(instance, name, fields.get(name, getattr(instance, name, None)))
    instance.submission = register  # type: ignore[assignment]

    def write() -> Measure:
        instance.save()
        instance.risk_points.set(risk_points)
        return instance

    return save_object(user, instance, before=before, save=write)  # type: ignore[return-value]


def delete_measure(user: Any, measure: Measure) -> None:
    errors = ErrorCollector()
    _open_register(user, measure.submission, errors)
    errors.raise_if_any()
    with transaction.atomic():
        ensure_in_scope(user, measure, "delete")
        emit("delete", measure, before=snapshot(measure))
        measure.delete()


def check_institution(values: dict[str, Any], errors: ErrorCollector) -> None:
    if values.get("kind") not in InstitutionKind.values:
        errors.add("kind", "类型须为新建或修订。")
    if not str(values.get("name") or "").strip():
        errors.add("name", "请填写制度名称。")
    issued = values.get("issued_on")
    if issued is None:
        errors.add("issued_on", "请填写印发日期。")
    else:
        _check_date(issued, "issued_on", "印发日期", errors)
        if isinstance(issued, dt.date) and issued > today():
            errors.add("issued_on", "印发日期不能晚于今天。")


def save_institution(user: Any, instance: Institution, **fields: Any) -> Institution:
    errors = ErrorCollector()
    register = _open_register(user, fields.get("submission"), errors)
    if instance.pk and register is not None and register.pk != instance.submission_id:
        errors.add("submission", "制度不能移到其他单位或其他轮次的填报。")
    check_institution(fields, errors)
    errors.raise_if_any()
    before = snapshot(instance) if instance.pk else None
    for name in INSTITUTION_FIELDS:
        setattr(instance, name, fields.get(name, getattr(instance, name, None)))
    instance.submission = register  # type: ignore[assignment]
    instance.name = instance.name.strip()
    instance.document_number = (instance.document_number or "").strip()
    return save_object(user, instance, before=before)  # type: ignore[return-value]


def delete_institution(user: Any, institution: Institution) -> None:
    errors = ErrorCollector()
    _open_register(user, institution.submission, errors)
    errors.raise_if_any()
    with transaction.atomic():
        ensure_in_scope(user, institution, "delete")
        emit("delete", institution, before=snapshot(institution))
        institution.delete()
