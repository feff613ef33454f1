"""The chain head anchored outside the database: when lines are written, and what happens
when they cannot be."""

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.db import transaction

from dangjian.audit import anchor, services
from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record

from . import tamper

pytestmark = pytest.mark.django_db


def lines(settings) -> list[dict]:
    text = settings.AUDIT_ANCHOR_FILE.read_text()
    return [json.loads(line) for line in text.splitlines()]


def checkpoints(settings) -> list[int]:
    return [line["id"] for line in lines(settings) if line["kind"] == "checkpoint"]


def command(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "checkpoint", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


def test_every_nth_committed_event_is_anchored_with_its_seal(
    settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        events = [record("login", actor_name=f"u{i}") for i in range(7)]
    written = [line for line in lines(settings) if line["kind"] == "checkpoint"]
    assert [(line["id"], line["hash"]) for line in written] == [
        (3, events[2].hash),
        (6, events[5].hash),
    ]
    assert settings.AUDIT_ANCHOR_FILE.stat().st_mode & 0o777 == 0o600


def test_a_rolled_back_event_is_never_anchored(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record("login", actor_name="a")
        record("login", actor_name="b")
        with pytest.raises(RuntimeError), transaction.atomic():
            record("login", actor_name="rolled back")  # id 3, then gone
            raise RuntimeError
    assert callbacks == [] and checkpoints(settings) == []
    with django_capture_on_commit_callbacks(execute=True):
        third = record("login", actor_name="c")
    assert third.id == 3 and checkpoints(settings) == [3]
    assert lines(settings)[-1]["hash"] == third.hash


def test_an_unwritable_anchor_is_logged_and_the_write_goes_on(
    settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EVERY = 1
    settings.AUDIT_ANCHOR_FILE = tmp_path / "gone" / "audit-anchor.log"  # never re-created
    with caplog.at_level(logging.ERROR, "dangjian.audit"):
        with django_capture_on_commit_callbacks(execute=True):
            event = record("login", actor_name="a")
        settings.AUDIT_ANCHOR_FILE = tmp_path  # a directory: the open fails otherwise
        with django_capture_on_commit_callbacks(execute=True):
            record("login", actor_name="b")
    assert AuditEvent.objects.filter(id__in=[event.id, event.id + 1]).count() == 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2
    assert "不存在" in errors[0].getMessage() and "--restart" in errors[0].getMessage()
    assert "审计检查点写入失败" in errors[1].getMessage()
    assert not (tmp_path / "gone").exists()


def test_checkpoint_command_anchors_the_committed_head(settings):
    events = [record("login", actor_name=f"u{i}") for i in range(4)]
    assert command() == (0, "已写入检查点：第 4 条。\n")
    assert lines(settings)[-1]["hash"] == events[-1].hash
    assert command() == (0, "检查点已是最新：第 4 条。\n")
    assert checkpoints(settings) == [4]


def test_checkpoint_command_refuses_a_cut_tail_or_a_lost_file(settings):
    events = [record("login", actor_name=f"u{i}") for i in range(4)]
    command()
    tamper.delete(4)
    tamper.set_head(3, events[2].hash)
    code, err = command()
    assert code == 1 and "落后于检查点" in err and checkpoints(settings) == [4]
    tamper.set_head(4, "f" * 64)  # a head naming no sealed event
    code, err = command()
    assert code == 1 and "未通过密钥校验" in err
    settings.AUDIT_ANCHOR_FILE.unlink()
    tamper.set_head(3, events[2].hash)
    code, err = command()
    assert code == 1 and "--restart" in err and not settings.AUDIT_ANCHOR_FILE.exists()


@pytest.mark.django_db(transaction=True)  # the CLI commits: the line follows the commit
def test_a_lost_anchor_file_is_restarted_as_an_audited_event(settings):
    for i in range(3):
        record("login", actor_name=f"u{i}")
    code, _ = command("--restart")
    assert code == 1  # the file still proves something: refused
    settings.AUDIT_ANCHOR_FILE.unlink()
    assert tamper.verify_command()[0] == 1
    assert command("--restart") == (0, "已重新开始检查点文件：自第 4 条起。\n")
    restart = AuditEvent.objects.get(id=4)
    assert restart.action == "audit_anchor_restart" and restart.actor_name == "system"
    assert [line["kind"] for line in lines(settings)] == ["restart"]
    assert tamper.verify_command()[0] == 0


def test_the_head_is_anchored_when_an_appending_process_exits(settings, monkeypatch):
    events = [record("login", actor_name=f"u{i}") for i in range(2)]
    monkeypatch.setattr(services._Process, "appended", False)
    services._exit_checkpoint()
    assert checkpoints(settings) == []  # a process that wrote nothing leaves no line
    monkeypatch.setattr(services._Process, "appended", True)
    services._exit_checkpoint()
    assert checkpoints(settings) == [2] and lines(settings)[-1]["hash"] == events[-1].hash


def test_restore_starts_a_new_epoch(settings, django_capture_on_commit_callbacks):
    """After a restore the chain may be shorter than the old checkpoints said: the restore
    event's line is the new reference, and the old lines no longer bind."""
    settings.AUDIT_CHECKPOINT_EVERY = 2
    with django_capture_on_commit_callbacks(execute=True):
        events = [record("login", actor_name=f"u{i}") for i in range(4)]
    tamper.delete(3, 4)  # as if the backup had been taken at event 2
    tamper.set_head(2, events[1].hash)
    assert tamper.verify_command()[0] == 1
    with django_capture_on_commit_callbacks(execute=True):
        restored = record("restore", detail={"file": "dj.tar.gz"})
    assert [line["kind"] for line in lines(settings)][-1] == "restore"
    assert anchor.read().reached.id == restored.id
    at = anchor.read().reached.at
    assert tamper.verify_command() == (
        0,
        f"审计链完整：{restored.id} 条事件\n库外检查点：第 {restored.id} 条（{at}）；"
        "其后的事件由链头记录保护，直到下一个检查点。\n",
    )
