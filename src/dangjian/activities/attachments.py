"""Attachment files: only pdf, docx, xlsx, jpg and png, recognized by their content.

The extension must agree with what the bytes are (magic numbers; an Office file is a zip
whose `[Content_Types].xml` declares the right main part), the size is capped, and the
file is stored under DATA_DIR/files/activities/ with a random name — the user's file
name is kept only as a label for the download. Files are served only through the
permission-checked download view.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import services as core_services
from dangjian.core.excel import format_bytes
from dangjian.core.filemodes import open_private, private_dir
from dangjian.core.models import snapshot

from .models import Activity, Attachment

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_CONTENT_TYPES_LIMIT = 1024 * 1024  # a real [Content_Types].xml is a few KB

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
KIND_LABELS = {
    "pdf": "PDF",
    "docx": "Word（.docx）",
    "xlsx": "Excel（.xlsx）",
    "jpg": "JPEG 图片",
    "png": "PNG 图片",
}
_EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "jpg": "jpg",
    "jpeg": "jpg",
    "png": "png",
}
# The main part an Office package must declare (macro-enabled variants are refused).
_OFFICE_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
ALLOWED_HINT = "只能上传 PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG 文件"


def max_bytes() -> int:
    return int(getattr(settings, "ACTIVITY_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _office_kind(fh: Any) -> str | None:
    try:
        with zipfile.ZipFile(fh) as zf:
            info = zf.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_LIMIT:
                return None
            types = zf.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    for kind, main in _OFFICE_MAIN.items():
        if f'ContentType="{main}"' in types:
            return kind
    return None


def sniff(fh: Any) -> str | None:
    """What the content is: "pdf", "docx", "xlsx", "jpg", "png" or None."""
    fh.seek(0)
    head = fh.read(8)
    fh.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        kind = _office_kind(fh)
        fh.seek(0)
        return kind
    return None


def clean_name(name: str) -> str:
    """The user's file name without any directory part, control characters or excess length."""
    base = os.path.basename(str(name).replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:190] + dot + ext) if dot else base[:200]
    return base or "附件"


def check_upload(upload: Any) -> str:
    """Validate an uploaded file; returns its kind or raises ValidationError in Chinese."""
    name = clean_name(getattr(upload, "name", ""))
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    declared = _EXTENSIONS.get(ext)
    if declared is None:
        raise ValidationError({"file": [f"“{name}”的类型不被接受：{ALLOWED_HINT}。"]})
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    if size == 0:
        raise ValidationError({"file": [f"“{name}”是空文件，请重新选择。"]})
    if size > max_bytes():
        raise ValidationError(
            {
                "file": [
                    f"“{name}”大小为 {format_bytes(size)}，超过上限 {format_bytes(max_bytes())}，"
                    "请压缩或拆分后再上传。"
                ]
            }
        )
    actual = sniff(upload)
    if actual != declared:
        what = f"实际内容是{KIND_LABELS[actual]}" if actual else "内容无法识别为允许的文件类型"
        raise ValidationError(
            {
                "file": [
                    f"“{name}”的扩展名是 .{ext}，但{what}：请上传与扩展名相符的原始文件"
                    f"（{ALLOWED_HINT}）。"
                ]
            }
        )
    return declared


@dataclass(frozen=True)
class WrittenFile:
    name: str  # random, with the checked kind's extension
    size: int
    sha256: str


def store_upload(upload: Any, kind: str, folder: Path) -> WrittenFile:
    """Write a checked upload (`check_upload`'s kind) under `folder` with a random name.

    Shared with the other apps that keep files (assessment evidence): the caller saves its
    row and removes the file again if that fails.
    """
    private_dir(folder)
    stored = f"{secrets.token_hex(16)}.{kind}"
    target = folder / stored
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    with open_private(target, exclusive=True) as out:
        chunks = (
            upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
        )
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return WrittenFile(stored, size, digest.hexdigest())


def add_attachment(user: Any, activity: Activity, upload: Any) -> Attachment:
    """Store `upload` for `activity` under a random name; audited; nothing kept on failure."""
    core_services.ensure_in_scope(user, activity, "change")
    kind = check_upload(upload)
    stored = store_upload(upload, kind, Attachment.storage_dir())
    attachment = Attachment(
        activity=activity,
        original_name=clean_name(upload.name),
        stored_name=stored.name,
        content_type=CONTENT_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=user if getattr(user, "pk", None) is not None else None,
    )
    try:
        with transaction.atomic():
            attachment.save()
            core_services.ensure_in_scope(user, attachment, "add")
            core_services.emit("create", attachment, after=snapshot(attachment))
    except BaseException:
        Attachment.remove_files([stored.name])
        raise
    return attachment


def delete_attachment(user: Any, attachment: Attachment) -> None:
    with transaction.atomic():
        core_services.delete_object(user, attachment)
        Attachment.remove_files_on_commit([attachment.stored_name])
