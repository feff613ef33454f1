"""Findings (问题) and their rectifications (整改).

Who (`Finding.write_sides`, `Rectification.write_sides`): the raising org's side raises,
changes and deletes a finding and verifies (销号 / 退回) its rectification; the owner org's
side answers the rectification. So a unit's own admins cannot rewrite or close what the
工委 found in it; they answer it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.orgs.models import Organization

from ..models import (
    Assessment,
    Campaign,
    Finding,
    FrameworkItem,
    Rectification,
    RectificationEvidence,
    RectificationStatus,
    Severity,
)
from .common import OutOfScope, load_assessment, load_rectification, sync, user_or_none
from .files import checked_uploads, file_fields, store

PERM_FINDING = "assessments.add_finding"
DEFAULT_DEADLINE_DAYS = 30


def can_verify(user: Any, rectification: Rectification) -> bool:
    """Is `user` on the raising side, which closes (销号) or returns the rectification?"""
    return rectification.allows(user, "verify")


def _item_category(item: FrameworkItem) -> str:
    if item.category:
        return item.category
    parent = item.parent
    while parent is not None:
        if parent.category:
            return parent.category
        parent = parent.parent
    return ""


def _raising_org(user: Any, org: Organization) -> Organization | None:
    """The highest org over `org` (or `org` itself) where the user may raise findings
    (None: nowhere)."""
    steps = range(Organization.steplen, len(org.path) + 1, Organization.steplen)
    return (
        Organization.objects.holding(user, PERM_FINDING)
        .filter(path__in=[org.path[:n] for n in steps])
        .order_by("depth")
        .first()
    )


def _may_raise(user: Any, raised_by_org: Organization) -> bool:
    """Finding.write_sides["add"]: the raising org's side raises."""
    return Finding(raised_by_org=raised_by_org).allows(user, "add")


class FindingExists(ValidationError):
    """提出问题 once per item of a check: this item already has a finding (`finding_id`),
    which the page opens instead and the API reports as a 400."""

    def __init__(self, finding_id: int):
        super().__init__(
            {
                "item": [
                    f"该条目在本次检查中已提出过问题（问题 #{finding_id}），不能重复提出；"
                    "如需补充，请在原问题中修改。"
                ]
            }
        )
        self.finding_id = finding_id


def existing_finding(assessment: Assessment | None, item: FrameworkItem | None) -> int | None:
    """The one rule (the page, the API and any import raise through `raise_finding`; the
    constraint `finding_once_per_item` holds it for bulk writes): one finding per item of
    an assessment. A finding without an assessment or without an item is free."""
    if assessment is None or item is None:
        return None
    return (
        Finding.objects.filter(assessment=assessment, item=item)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _content_errors(*, text: str, category: str, severity: str, found_on: dt.date) -> dict:
    """What a finding says, checked the same way when it is raised and when it is edited."""
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = ["请填写问题描述。"]
    if not category:
        errors["category"] = ["请填写问题类别（用于负面清单归类）。"]
    elif len(category) > 64:
        errors["category"] = ["问题类别不能超过 64 个字。"]
    if severity not in Severity.values:
        errors["severity"] = [f"严重程度“{severity}”无效。"]
    if found_on > timezone.localdate():
        errors["found_on"] = ["发现日期不能晚于今天。"]
    return errors


def raise_finding(
    user: Any,
    *,
    text: str,
    org: Organization | None = None,
    assessment: Assessment | None = None,
    item: FrameworkItem | None = None,
    category: str = "",
    severity: str = "general",
    found_on: dt.date | None = None,
    deadline: dt.date | None = None,
    raised_by_org: Organization | None = None,
    campaign: Campaign | None = None,
) -> Finding:
    """A finding (from an assessment item, or free-standing with `org`) and its open
    Rectification (deadline default: found_on + 30 days).

    From an assessment: the org defaults to its target (a sub-org of the target is allowed,
    e.g. a branch found wanting in a unit's check), the campaign's scope org raises it and
    the category is the item's. Free-standing: `org` is required and the raising org is
    `raised_by_org` or the user's highest org with the permission over it; with `campaign`
    (e.g. 巡后反馈) the org must be one of the campaign's targets or under one.

    Once per item of a check: a second finding on the same assessment and item raises
    `FindingExists` (a ValidationError naming the first one).
    """
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    found_on = found_on or timezone.localdate()
    deadline = deadline or found_on + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)
    if deadline < found_on:
        errors["deadline"] = ["整改时限不能早于发现日期。"]

    if assessment is not None:
        assessment = load_assessment(assessment)
        campaign = assessment.campaign
        target = assessment.target
        org = org or target
        if not org.path.startswith(target.path):
            errors["org"] = [f"问题所属组织应为本次检查对象“{target.name}”或其下级组织。"]
        raised_by_org = campaign.scope_org
        if not _may_raise(user, raised_by_org):
            raise OutOfScope("只有督查活动主办方可以对检查对象提出问题。")
    elif org is None:
        raise ValidationError({"org": ["请选择存在问题的组织。"]})
    else:
        if campaign is not None:
            campaign = Campaign.objects.select_related("scope_org", "framework").get(pk=campaign.pk)
            targets = list(campaign.assessments.values_list("pk", "target__path"))
            under = [pk for pk, path in targets if org.path.startswith(path)]
            if not under:
                errors["org"] = [f"“{org.name}”不是督查活动“{campaign.name}”的检查对象。"]
            elif len(under) == 1:
                assessment = Assessment.objects.get(pk=under[0])
            raised_by_org = raised_by_org or campaign.scope_org
        if raised_by_org is None:
            raised_by_org = _raising_org(user, org)
            if raised_by_org is None:
                raise OutOfScope("对象不在您的管辖范围内。")
        elif not _may_raise(user, raised_by_org):
            raise OutOfScope(f"您不能以“{raised_by_org.name}”的名义提出问题。")
        if not org.path.startswith(raised_by_org.path):
            errors["raised_by_org"] = ["提出问题的组织应为存在问题的组织本身或其上级组织。"]
    if not holds(user, PERM_FINDING, org.path):
        raise OutOfScope("对象不在您的管辖范围内。")

    if item is not None:
        if campaign is None or item.framework_id != campaign.framework_id:
            errors["item"] = ["该条目不属于本次督查使用的考评模板。"]
        else:
            category = _item_category(item) or category
    category = (category or "").strip()
    errors.update(
        _content_errors(text=text, category=category, severity=severity, found_on=found_on)
    )
    if errors:
        raise ValidationError(errors)
    existing = existing_finding(assessment, item)
    if existing is not None:
        raise FindingExists(existing)

    finding = Finding(
        org=org,
        raised_by_org=raised_by_org,
        campaign=campaign,
        assessment=assessment,
        item=item,
        category=category,
        text=text,
        severity=severity,
        found_on=found_on,
        created_by=user_or_none(user),
    )
    try:
        with transaction.atomic():
            finding.save()
            rectification = Rectification.objects.create(
                finding=finding, org=org, deadline=deadline, status=RectificationStatus.OPEN
            )
            core_services.emit(
                "create",
                finding,
                after=snapshot(finding),
                rectification={"id": rectification.pk, "deadline": deadline.isoformat()},
            )
    except IntegrityError:
        # Two clicks racing past the check above: the constraint refused the second.
        existing = existing_finding(assessment, item)
        if existing is None:
            raise
        raise FindingExists(existing) from None
    return finding


EDITABLE = ("text", "category", "severity", "found_on")


def update_finding(user: Any, finding: Finding, **fields: Any) -> Finding:
    """The raising side corrects what it wrote (text, category, severity, found_on); the
    org, check and item stay (delete and raise again). Validated as a raise; audited."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(
            {
                name: ["问题登记后不能更换组织、检查对象或条目；请删除后重新登记。"]
                for name in unknown
            }
        )
    with transaction.atomic():
        f = (
            Finding.objects.select_related("raised_by_org")
            .select_for_update(of=("self",))
            .get(pk=finding.pk)
        )
        if not f.allows(user, "change"):
            raise OutOfScope(f"只有提出问题的“{f.raised_by_org.name}”一方可以修改该问题。")
        values = {name: fields.get(name, getattr(f, name)) for name in EDITABLE}
        for name in ("text", "category"):
            values[name] = str(values[name] or "").strip()
        values["found_on"] = values["found_on"] or f.found_on
        errors = _content_errors(**values)
        if errors:
            raise ValidationError(errors)
        before = snapshot(f)
        for name, value in values.items():
            setattr(f, name, value)
        f.save()
        core_services.emit("update", f, before=before, after=snapshot(f))
    sync(finding, f, EDITABLE)
    return finding


def delete_finding(user: Any, finding: Finding) -> None:
    """The raising side withdraws a finding; its rectification and that one's proof files
    go with it (the files once the deletion commits). Audited."""
    with transaction.atomic():
        f = Finding.objects.select_related("raised_by_org").get(pk=finding.pk)
        if not f.allows(user, "delete"):
            raise OutOfScope(f"只有提出问题的“{f.raised_by_org.name}”一方可以删除该问题。")
        files = list(
            RectificationEvidence.objects.filter(rectification__finding=f).values_list(
                "stored_name", flat=True
            )
        )
        core_services.emit("delete", f, before=snapshot(f), after=None, files_removed=len(files))
        f.delete()
        RectificationEvidence.remove_files_on_commit(files)


# --- rectification --------------------------------------------------------------------


def submit_rectification(
    user: Any,
    rectification: Rectification,
    *,
    measures: str,
    evidence_text: str = "",
    files: Iterable[UploadedFile] = (),
) -> Rectification:
    """The owner org reports what it did: open/returned → submitted."""
    r = load_rectification(rectification)
    if not r.allows(user, "change"):
        raise OutOfScope("只有整改责任组织（或其上级）可以报送整改情况。")
    uploads = list(files)
    if uploads and not RectificationEvidence(rectification=r).allows(user, "add"):
        raise OutOfScope("您不能为该整改上传材料。")
    errors: dict[str, list[str]] = {}
    if r.status not in (RectificationStatus.OPEN, RectificationStatus.RETURNED):
        errors["status"] = [
            f"该整改当前为“{RectificationStatus(r.status).label}”，只有待整改或被退回的整改可以提交。"
        ]
    measures = (measures or "").strip()
    if not measures:
        errors["measures"] = ["请填写整改措施。"]
    evidence_text = (evidence_text or "").strip()
    if errors:
        raise ValidationError(errors)
    checked = checked_uploads(uploads)
    rows, names = store(
        RectificationEvidence,
        checked,
        lambda upload, stored, kind: RectificationEvidence(
            rectification_id=r.pk, **file_fields(user, upload, stored, kind)
        ),
    )
    try:
        with transaction.atomic():
            r = load_rectification(r, lock=True)
            if r.status not in (RectificationStatus.OPEN, RectificationStatus.RETURNED):
                raise ValidationError({"status": ["该整改已被他人提交，请刷新页面。"]})
            before = snapshot(r)
            r.measures = measures
            if evidence_text or not r.evidence_text:
                r.evidence_text = evidence_text
            r.status = RectificationStatus.SUBMITTED
            r.submitted_at = timezone.now()
            r.submitted_by = user_or_none(user)
            r.save()
            RectificationEvidence.objects.bulk_create(rows)
            core_services.emit(
                "update",
                r,
                before=before,
                after=snapshot(r),
                files=[row.original_name for row in rows],
            )
    except BaseException:
        RectificationEvidence.remove_files(names)
        raise
    sync(rectification, r, ["measures", "evidence_text", "status", "submitted_at", "submitted_by"])
    return rectification


def verify_rectification(
    user: Any, rectification: Rectification, *, accept: bool, note: str = ""
) -> Rectification:
    """The raising side closes (销号, needs evidence) or returns (退回, needs a note)."""
    with transaction.atomic():
        r = load_rectification(rectification, lock=True)
        if not can_verify(user, r):
            raise OutOfScope(
                f"只有提出问题的“{r.finding.raised_by_org.name}”一方可以销号或退回该整改。"
            )
        note = (note or "").strip()
        errors: dict[str, list[str]] = {}
        if r.status != RectificationStatus.SUBMITTED:
            errors["status"] = [
                f"该整改当前为“{RectificationStatus(r.status).label}”，只有已提交的整改可以审核。"
            ]
        elif accept and not r.evidence_text.strip() and not r.files.exists():
            errors["evidence"] = [
                "没有整改佐证材料，不能销号：请退回整改责任组织，补充整改情况说明或上传佐证材料后再审核。"
            ]
        if not accept and not note:
            errors["note"] = ["退回时请填写审核意见，说明需要补充或改正的内容。"]
        if len(note) > 300:
            errors["note"] = ["审核意见不能超过 300 个字。"]
        if errors:
            raise ValidationError(errors)
        before = snapshot(r)
        r.status = RectificationStatus.CLOSED if accept else RectificationStatus.RETURNED
        r.verified_at = timezone.now()
        r.verified_by = user_or_none(user)
        r.verify_note = note
        r.closed_on = timezone.localdate() if accept else None
        r.save()
        core_services.emit("update", r, before=before, after=snapshot(r))
    sync(rectification, r, ["status", "verified_at", "verified_by", "verify_note", "closed_on"])
    return rectification
