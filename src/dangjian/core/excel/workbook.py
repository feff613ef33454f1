"""Refusing a bad upload before parsing it: format, size, zip entries, zip bombs, row count."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from ..signals import audit_event

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted xlsx
_READ_CHUNK = 256 * 1024


class WorkbookRefused(Exception):
    """The upload is refused as a whole (format or limits); the message says why, in Chinese."""


def open_upload(upload: Any) -> Any:
    """A seekable binary file for an UploadedFile, a file object, bytes or a path."""
    if isinstance(upload, bytes | bytearray):
        return io.BytesIO(upload)
    if isinstance(upload, str | Path):
        return open(upload, "rb")  # closed by the caller
    fh = getattr(upload, "file", upload)
    fh.seek(0)
    return fh


def _size(fh: Any) -> int:
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    return size


def _check_zip(fh: Any) -> None:
    max_bytes = settings.IMPORT_MAX_FILE_BYTES
    size = _size(fh)
    if size == 0:
        raise WorkbookRefused(_("上传的文件是空的，请选择填写好的 Excel（.xlsx）文件。"))
    if size > max_bytes:
        raise WorkbookRefused(
            _("文件大小 %(size)s 超过上限 %(max)s，请分批导入。")
            % {"size": format_bytes(size), "max": format_bytes(max_bytes)}
        )
    magic = fh.read(4)
    fh.seek(0)
    if magic == _OLE_MAGIC:
        raise WorkbookRefused(
            _("这是旧版 .xls 文件或加密的工作簿，请在 Excel 中另存为未加密的 .xlsx 后再导入。")
        )
    if magic != _ZIP_MAGIC:
        raise WorkbookRefused(
            _("文件不是有效的 Excel（.xlsx）工作簿，请使用下载的导入模板填写后上传。")
        )
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            if len(infos) > settings.IMPORT_MAX_ZIP_ENTRIES:
                raise WorkbookRefused(
                    _("工作簿内部文件过多（%(n)s 个，上限 %(max)s 个），不像是导入模板，已拒绝。")
                    % {"n": len(infos), "max": settings.IMPORT_MAX_ZIP_ENTRIES}
                )
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise WorkbookRefused(
                    _("文件不是 Excel（.xlsx）工作簿，请使用下载的导入模板填写后上传。")
                )
            limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
            too_big = WorkbookRefused(
                _("工作簿解压后超过 %(max)s 上限（可能是压缩炸弹），已拒绝。")
                % {"max": format_bytes(limit)}
            )
            if sum(i.file_size for i in infos) > limit:
                raise too_big
            # Headers may lie: decompress everything once, counting, and stop at the cap.
            # This also checks every entry's CRC.
            total = 0
            for info in infos:
                with zf.open(info) as entry:
                    while chunk := entry.read(_READ_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise too_big
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise WorkbookRefused(_("文件已损坏或不是有效的 .xlsx 工作簿，请重新保存后上传。")) from exc
    finally:
        fh.seek(0)


def format_bytes(n: int) -> str:
    """1536 → "1.5 KB", for messages about the size limits."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} B"


def too_many_rows(n: int) -> WorkbookRefused:
    return WorkbookRefused(
        _("数据行数（%(n)s 行）超过单次导入上限 %(max)s 行，请拆分文件后分批导入。")
        % {"n": n, "max": settings.IMPORT_MAX_ROWS}
    )


def load_checked(fh: Any):
    """Zip checks, then open read-only and check the declared sheet size; returns the workbook."""
    _check_zip(fh)
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on malformed parts
        raise WorkbookRefused(_("无法读取该工作簿，请用 Excel 重新保存为 .xlsx 后上传。")) from exc
    if not wb.worksheets:
        wb.close()
        raise WorkbookRefused(_("工作簿中没有工作表。"))
    ws = wb.worksheets[0]
    declared = ws.max_row or 0
    if declared - 1 > settings.IMPORT_MAX_ROWS:
        wb.close()
        raise too_many_rows(declared - 1)
    # Read every row actually present, whatever the declared dimension says.
    ws.reset_dimensions()
    return wb


def check_workbook(upload: Any) -> None:
    """Refuse an upload before parsing: not an xlsx, too big, too many entries or rows, zip bomb.

    Raises WorkbookRefused with a Chinese sentence saying what is wrong.
    """
    fh = open_upload(upload)
    try:
        load_checked(fh).close()
    finally:
        if fh is not upload and not hasattr(upload, "file"):
            fh.close()


def audit(user: Any, action: str, outcome: str, **detail: Any) -> None:
    """An `import` / `export` event naming `user` (imports also run outside a request)."""
    audit_event.send(
        sender=None,
        action=action,
        obj=None,
        before=None,
        after=None,
        outcome=outcome,
        detail=detail,
        user=user,
    )


def xlsx_response(data: Any, filename: str) -> FileResponse:
    return FileResponse(data, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
