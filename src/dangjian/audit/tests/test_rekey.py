"""Existing chains are migrated: an unkeyed SHA-256 chain is checked and re-sealed under the
key (migration 0003 on upgrade, `dangjian audit rekey` by hand), recording a rekey event."""

import datetime as dt
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dangjian.audit import anchor
from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record, verify

from . import tamper

CHANGED = "事件的内容与封印不符（被改动，或是伪造的事件）"


def rekey(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "rekey", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def unkeyed(db):
    """Six events, then turned into the first design's unkeyed chain."""
    for i in range(6):
        record("login", actor_name=f"u{i}", detail={"n": i})
    tamper.rechain(1, tamper.sha256_link, version=1)
    return tamper.rows()


def test_an_unkeyed_chain_is_reported_then_resealed(unkeyed, django_capture_on_commit_callbacks):
    code, out = tamper.verify_command()
    assert code == 1 and tamper.broken(out)[0].startswith("第 1–6 条事件未用密钥封存（旧格式）")
    with django_capture_on_commit_callbacks(execute=True):
        assert rekey() == (0, "已重新封存 6 条事件（其中旧格式 6 条），并记录为第 7 条事件。\n")
    event = AuditEvent.objects.get(id=7)
    assert (event.action, event.actor_name) == ("audit_rekey", "system")
    assert event.detail == {"resealed": 6, "legacy": 6, "break_count": 0, "breaks": []}
    assert set(AuditEvent.objects.values_list("hash_version", flat=True)) == {2}
    assert [r["detail"] for r in tamper.rows()[:6]] == [u["detail"] for u in unkeyed]
    assert anchor.read().reached.id == 7 and anchor.read().binding[0].kind == "rekey"
    assert tamper.verify_command()[0] == 0
    assert rekey() == (0, "审计链已全部用密钥封存，且没有断点，无需重新封存。\n")


def test_a_broken_unkeyed_chain_is_resealed_only_when_accepted(unkeyed):
    tamper.sql("UPDATE audit_auditevent SET detail = %s WHERE id = 3", ['{"n": 99}'])
    code, out = rekey()
    assert code == 1 and f"  第 3 条{CHANGED}" in out.splitlines()
    assert AuditEvent.objects.count() == 6  # nothing written
    code, out = rekey("--accept-breaks")
    assert code == 0 and "重新封存前的 1 处断点已记入该事件" in out
    assert AuditEvent.objects.get(id=7).detail["breaks"] == [f"第 3 条{CHANGED}"]
    assert verify().ok  # sealed from now on; the evidence is event 7


def test_unkeyed_events_after_keyed_ones_are_forged(db):
    for i in range(6):
        record("login", actor_name=f"u{i}")
    tamper.sql("UPDATE audit_auditevent SET detail = %s WHERE id = 4", ['{"forged": 1}'])
    tamper.rechain(4, tamper.sha256_link, version=1)
    code, _ = rekey("--accept-breaks")  # accepted, but still named in the rekey event
    assert code == 0
    assert AuditEvent.objects.get(id=7).detail["breaks"] == [
        "第 4–6 条事件是未封存的旧格式，却排在用密钥封存的事件之后（伪造）"
    ]


def test_a_chain_unkeyed_after_checkpoints_cannot_be_laundered(
    db, settings, django_capture_on_commit_callbacks
):
    """Turning a whole keyed chain back into the unkeyed format (then asking for a rekey)
    is caught by the checkpoints already written."""
    settings.AUDIT_CHECKPOINT_EVERY = 5
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(6):
            record("login", actor_name=f"u{i}")
    tamper.sql("UPDATE audit_auditevent SET detail = %s WHERE id = 2", ['{"forged": 1}'])
    tamper.rechain(1, tamper.sha256_link, version=1)
    code, out = rekey()
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("  第 5 条事件与检查点（")]
    assert AuditEvent.objects.count() == 6


def _write_first_design_chain(apps, count: int) -> None:
    """Events as the first, unkeyed design wrote them (historical model of 0001)."""
    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "ChainHead")
    prev = "0" * 64
    start = timezone.now() - dt.timedelta(days=30)
    for i in range(1, count + 1):
        row = {name: "" for name in tamper.FIELDS}
        row.update(
            id=i,
            occurred_at=start + dt.timedelta(minutes=i),
            actor_id=None,
            actor_name=f"user{i}",
            action="update",
            outcome="success",
            related_org_id=None,
            before={"name": f"旧{i}"},
            after={"name": f"新{i}"},
            detail={},
            channel="web",
        )
        digest = tamper.sha256_link(prev, row)
        event_model.objects.create(**row, prev_hash=prev, hash=digest)
        prev = digest
    head_model.objects.create(id=1, last_id=count, last_hash=prev)


@pytest.mark.django_db(transaction=True)
def test_migration_reseals_a_deployed_chain(settings, caplog):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("audit", "0001_initial")])
        old = executor.loader.project_state([("audit", "0001_initial")]).apps
        _write_first_design_chain(old, 5)
        # An edit someone made before the upgrade (the old chain would name it).
        old.get_model("audit", "AuditEvent").objects.filter(id=2).update(actor_name="改过")
        with caplog.at_level(logging.WARNING, "dangjian.audit"):
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    rekeyed = AuditEvent.objects.get(id=6)
    assert rekeyed.action == "audit_rekey"
    assert rekeyed.detail == {
        "resealed": 5,
        "legacy": 5,
        "break_count": 1,
        "breaks": [f"第 2 条{CHANGED}"],
    }
    assert [r.getMessage() for r in caplog.records if r.name == "dangjian.audit"] == [
        f"重新封存前发现的审计链断点：第 2 条{CHANGED}"
    ]
    lines = [json.loads(x) for x in settings.AUDIT_ANCHOR_FILE.read_text().splitlines()]
    assert (lines[-1]["kind"], lines[-1]["id"]) == ("rekey", 6)
    assert verify().ok
    assert record("login", actor_name="after").id == 7 and verify().ok
