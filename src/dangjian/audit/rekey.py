"""Re-seal the audit chain under the HMAC key.

Run by migration 0003 on upgrade (the unkeyed SHA-256 chain becomes a keyed one), and by
`dangjian audit rekey` after restoring a JSON backup made before the keyed chain. The
chain is checked first — unkeyed events at its start by their SHA-256 links, keyed ones by
their seals, the tail against the head and the anchor file — then every event is sealed
again in id order and a `audit_rekey` event records what was done and every break found,
so evidence of earlier tampering stays in the chain. Deleted ids stay missing: `verify`
keeps reporting the gap.

Takes model classes, so the migration can pass its historical models.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from . import anchor, chain
from .verify import Report, events_in_order, walk

logger = logging.getLogger("dangjian.audit")
BATCH = 2000
KEPT_MESSAGES = 100  # breaks written into the rekey event; the count is always complete


class Refused(Exception):
    """The chain has breaks and they were not accepted."""

    def __init__(self, report: Report):
        super().__init__("审计链有断点，未重新封存。")
        self.report = report


@dataclass
class Resealed:
    events: int
    legacy: int
    event_id: int
    breaks: list[str] = field(default_factory=list)


def ensure_key() -> None:
    """Set-up: a key file of this installation's own (never committed, never backed up)."""
    if chain.key_text() is None:
        chain.create_key_file()


def reseal(event_model: Any, head_model: Any, *, accept_breaks: bool) -> Resealed | None:
    """Re-seal the whole chain; None when it needs nothing (no unkeyed event, no break)."""
    with transaction.atomic(using=event_model._base_manager.db):
        # Appends wait on the head row until this commits (a new database has none yet,
        # and gets none here: an empty chain must not make the database look used).
        list(head_model._base_manager.select_for_update().filter(id=1))
        report = walk(event_model, head_model, legacy_ok=True)
        if not report.legacy and report.ok:
            return None
        if not report.ok and not accept_breaks:
            raise Refused(report)
        key = chain.event_key()
        prev, count, last_id = chain.GENESIS, 0, 0
        pending: list[tuple[str, str, int, int]] = []
        for event in events_in_order(event_model, 0, None, BATCH):
            sealed = chain.seal(key, prev, chain.fields_of(event))
            pending.append((prev, sealed, chain.HMAC_SHA256, event.id))
            prev, count, last_id = sealed, count + 1, event.id
            if len(pending) >= BATCH:
                _write(event_model, pending)
                pending = []
        _write(event_model, pending)

        messages = report.messages()
        event = event_model(
            id=last_id + 1,
            occurred_at=timezone.now(),
            actor_name="system",
            action="audit_rekey",
            outcome="success",
            channel="cli",
            detail={
                "resealed": count,
                "legacy": report.legacy,
                "break_count": len(messages),
                "breaks": messages[:KEPT_MESSAGES],
            },
            prev_hash=prev,
            hash_version=chain.HMAC_SHA256,
        )
        event.hash = chain.seal(key, prev, chain.fields_of(event))
        event_model._base_manager.bulk_create([event])
        head_model._base_manager.update_or_create(
            id=1, defaults={"last_id": event.id, "last_hash": event.hash}
        )
        event_id, event_hash = event.id, event.hash
        transaction.on_commit(
            lambda: anchor.append("rekey", event_id, event_hash),
            using=event_model._base_manager.db,
            robust=True,
        )
    for message in messages:
        logger.warning("重新封存前发现的审计链断点：%s", message)
    return Resealed(count, report.legacy, event_id, messages)


def _write(event_model: Any, rows: list[tuple[str, str, int, int]]) -> None:
    if not rows:
        return
    connection = connections[event_model._base_manager.db]
    table = connection.ops.quote_name(event_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET prev_hash = %s, hash = %s, hash_version = %s "  # noqa: S608
            "WHERE id = %s",
            rows,
        )


def set_up(event_model: Any, head_model: Any) -> Resealed | None:
    """Migration 0003: the key, then the chain re-sealed (an upgrade) or a new anchor
    epoch (a new database). Breaks of an upgraded chain cannot stop the upgrade: they are
    logged and recorded in the rekey event."""
    ensure_key()
    done = reseal(event_model, head_model, accept_breaks=True)
    if done is None:
        head = head_model._base_manager.filter(id=1).values_list("last_id", "last_hash").first()
        last_id, last_hash = head or (0, chain.GENESIS)
        transaction.on_commit(
            lambda: anchor.append("setup", last_id, last_hash),
            using=event_model._base_manager.db,
            robust=True,
        )
    return done
