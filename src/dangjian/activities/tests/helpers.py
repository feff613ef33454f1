"""Small builders shared by the activity tests."""

from __future__ import annotations

import datetime as dt
import io

from dangjian.activities.models import Activity, Attachment, Participation

from .conftest import DAY, make_member


def make_activity(org, kind: str = "theme_day", held_on: dt.date = DAY, **fields) -> Activity:
    fields.setdefault("title", f"{org.name}主题党日")
    return Activity.objects.create(org=org, kind=kind, held_on=held_on, **fields)


def make_participation(org, **fields) -> Participation:
    activity = fields.pop("activity", None) or make_activity(org)
    member = fields.pop("member", None) or make_member(org)
    return Participation.objects.create(activity=activity, member=member, **fields)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office_file(kind: str) -> bytes:
    """A minimal docx/xlsx package: a zip whose [Content_Types].xml declares the main part."""
    import zipfile

    main = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    }[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>',
        )
        zf.writestr("main.xml", "<x/>")
    return buf.getvalue()


def make_attachment(org, content: bytes = PDF, name: str = "会议记录.pdf") -> Attachment:
    activity = make_activity(org)
    stored = f"test{activity.pk:028d}.pdf"
    folder = Attachment.storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(content)
    return Attachment.objects.create(
        activity=activity,
        original_name=name,
        stored_name=stored,
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
    )
