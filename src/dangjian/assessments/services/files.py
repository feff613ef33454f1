"""Evidence files (检查材料) and rectification proof (整改佐证材料).

Every upload is checked by content before any is stored (all or nothing), written under
its own model's storage folder and removed again if its row is not committed. Who may add
or remove one is its model's `write_sides`: the checking side for an assessment's
evidence, the owner org's side for a rectification's proof.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from dangjian.activities import attachments as upload_checks
from dangjian.core import services as core_services
from dangjian.core.models import StoredFile, snapshot

from ..models import (
    Assessment,
    EvidenceFile,
    FrameworkItem,
    ItemKind,
    ItemResult,
    Rectification,
    RectificationEvidence,
    RectificationStatus,
)
from .common import LOCKED, OutOfScope, load_assessment, load_rectification, user_or_none

NOT_YOURS = "只有督查活动主办方的检查人员可以上传或删除检查材料。"

# Builds one (unsaved) row from an upload, the written file and its checked kind.
RowMaker = Callable[[UploadedFile, Any, str], StoredFile]


def checked_uploads(uploads: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Check every file before any is stored (all or nothing)."""
    checked = []
    messages: list[str] = []
    for upload in uploads:
        try:
            checked.append((upload, upload_checks.check_upload(upload)))
        except ValidationError as exc:
            messages.extend(exc.messages)
    if messages:
        raise ValidationError({"files": messages})
    return checked


def store(
    model: type[StoredFile], checked: list[tuple[UploadedFile, str]], make: RowMaker
) -> tuple[list[Any], list[str]]:
    """Write the files into `model`'s folder; the rows (not saved) and the stored names.
    A failure part way removes what was written."""
    rows, names = [], []
    try:
        for upload, kind in checked:
            stored = upload_checks.store_upload(upload, kind, model.storage_dir())
            names.append(stored.name)
            rows.append(make(upload, stored, kind))
    except BaseException:
        model.remove_files(names)
        raise
    return rows, names


def file_fields(user: Any, upload: UploadedFile, stored: Any, kind: str) -> dict[str, Any]:
    return {
        "original_name": upload_checks.clean_name(upload.name or ""),
        "stored_name": stored.name,
        "content_type": upload_checks.CONTENT_TYPES[kind],
        "size": stored.size,
        "sha256": stored.sha256,
        "uploaded_by": user_or_none(user),
    }


def _save_one(
    model: type[StoredFile], upload: UploadedFile, make: RowMaker, before_save: Any = None
) -> Any:
    """Check, store and save one upload as a row of `model`, audited; the file goes
    again if the row is not committed."""
    (row,), names = store(model, checked_uploads([upload]), make)
    try:
        with transaction.atomic():
            if before_save is not None:
                before_save(row)
            row.save()
            core_services.emit("create", row, after=snapshot(row))
    except BaseException:
        model.remove_files(names)
        raise
    return row


def add_evidence_file(
    user: Any, assessment: Assessment, upload: UploadedFile, item_id: int | None = None
) -> EvidenceFile:
    """A file backing the assessment (or one of its items; an empty result row is made)."""
    a = load_assessment(assessment)
    if not EvidenceFile(assessment=a).allows(user, "add"):
        raise OutOfScope(NOT_YOURS)
    if a.is_locked:
        raise ValidationError(LOCKED, code="locked")
    item = None
    if item_id is not None:
        item = FrameworkItem.objects.filter(
            pk=item_id, framework_id=a.campaign.framework_id
        ).first()
        if item is None or item.kind == ItemKind.SECTION:
            raise ValidationError({"item": ["该条目不属于本次督查使用的考评模板。"]})

    def attach_item(evidence: EvidenceFile) -> None:
        if item is not None:
            evidence.item_result, _ = ItemResult.objects.get_or_create(
                assessment_id=a.pk, item=item
            )

    return _save_one(
        EvidenceFile,
        upload,
        lambda up, stored, kind: EvidenceFile(
            assessment_id=a.pk, **file_fields(user, up, stored, kind)
        ),
        before_save=attach_item,
    )


def add_rectification_file(
    user: Any, rectification: Rectification, upload: UploadedFile
) -> RectificationEvidence:
    r = load_rectification(rectification)
    if not RectificationEvidence(rectification=r).allows(user, "add"):
        raise OutOfScope("您不能为该整改上传材料。")
    if r.status == RectificationStatus.CLOSED:
        raise ValidationError("该整改已销号，不能再添加材料。")
    return _save_one(
        RectificationEvidence,
        upload,
        lambda up, stored, kind: RectificationEvidence(
            rectification_id=r.pk, **file_fields(user, up, stored, kind)
        ),
    )


def delete_file(user: Any, obj: EvidenceFile | RectificationEvidence) -> None:
    """Delete an evidence file (not from a locked assessment or a closed rectification)."""
    if isinstance(obj, EvidenceFile):
        obj.assessment = load_assessment(obj.assessment_id)
        if not obj.allows(user, "delete"):
            raise OutOfScope(NOT_YOURS)
        if obj.assessment.is_locked:
            raise ValidationError(LOCKED, code="locked")
    else:
        obj.rectification = load_rectification(obj.rectification_id)
        if not obj.allows(user, "delete"):
            raise OutOfScope("对象不在您的管辖范围内。")
        if obj.rectification.status == RectificationStatus.CLOSED:
            raise ValidationError("该整改已销号，不能删除材料。")
    with transaction.atomic():
        core_services.emit("delete", obj, before=snapshot(obj), after=None)
        obj.delete()
        obj.remove_files_on_commit([obj.stored_name])
