"""Attachments: content must match the extension, size capped, served only through the view."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from dangjian.activities import attachments
from dangjian.activities.models import Attachment
from dangjian.audit.models import AuditEvent

from .helpers import PDF, PNG, make_activity, make_attachment, office_file

pytestmark = pytest.mark.django_db


def upload(client, activity, name, content):
    return client.post(
        reverse("activities:attachment_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    """Each test stores files in its own folder: parallel workers share DATA_DIR, and the
    "nothing stored" checks compare folder listings."""
    settings.DATA_DIR = tmp_path


def stored_files() -> set[str]:
    folder = Attachment.storage_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("纪要.pdf", PDF),
        ("照片.png", PNG),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("记录.docx", office_file("docx")),
        ("名单.xlsx", office_file("xlsx")),
    ],
)
def test_accepted_files_are_stored_under_random_names(client, tree, writer, name, content):
    activity = make_activity(tree.branch_a)
    client.force_login(writer)
    resp = upload(client, activity, name, content)
    assert "已上传附件" in resp.content.decode()
    att = Attachment.objects.get()
    assert att.original_name == name and att.size == len(content)
    assert att.stored_name != name and att.stored_name in stored_files()
    download = client.get(reverse("activities:attachment_download", args=[att.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == content
    assert AuditEvent.objects.filter(action="download", object_id=str(att.pk)).exists()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("伪装.pdf", PNG, "实际内容是PNG 图片"),
        ("伪装.docx", office_file("xlsx"), "实际内容是Excel"),
        ("伪装.xlsx", b"PK\x03\x04not really a zip", "内容无法识别"),
        ("脚本.png", b"<script>alert(1)</script>", "内容无法识别"),
        ("病毒.exe", b"MZ\x90\x00", "类型不被接受"),
        ("宏.xlsm", office_file("xlsx"), "类型不被接受"),
        ("空.pdf", b"", "空文件"),
    ],
)
def test_refused_files_save_nothing(client, tree, writer, name, content, words):
    activity = make_activity(tree.branch_a)
    client.force_login(writer)
    before = stored_files()
    resp = upload(client, activity, name, content)
    assert words in resp.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == before


@override_settings(ACTIVITY_ATTACHMENT_MAX_BYTES=1024)
def test_size_limit(client, tree, writer):
    activity = make_activity(tree.branch_a)
    client.force_login(writer)
    resp = upload(client, activity, "大文件.pdf", PDF + b"0" * 2000)
    assert "超过上限" in resp.content.decode()
    assert not Attachment.objects.exists()


def test_upload_out_of_scope_is_404(client, tree, writer):
    activity = make_activity(tree.branch_b)
    client.force_login(writer)
    resp = client.post(
        reverse("activities:attachment_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert resp.status_code == 404 and not Attachment.objects.exists()


def test_delete_removes_the_file(client, tree, writer, django_capture_on_commit_callbacks):
    att = make_attachment(tree.branch_a)
    client.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("activities:attachment_delete", args=[att.pk]))
    assert resp.status_code == 302
    assert att.stored_name not in stored_files()
    assert not Attachment.objects.exists()


def test_file_names_are_cleaned():
    assert attachments.clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert attachments.clean_name("C:\\Users\\x\\记录.pdf") == "记录.pdf"
    assert attachments.clean_name('a"<>|.pdf') == "a.pdf"
