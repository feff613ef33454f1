"""Writing the audit chain, and anchoring its head outside the database."""

from __future__ import annotations

import atexit
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangjian.core import context

from . import anchor, chain
from .models import AuditEvent, ChainHead
from .verify import Report, walk

logger = logging.getLogger("dangjian.audit")

# Events whose commit starts a new epoch of the anchor file (see anchor.py).
EPOCH_ACTIONS = {"restore": "restore", "audit_anchor_restart": "restart"}


class _Process:
    appended = False  # this process appended events: anchor the head at exit


def _actor(user: Any) -> tuple[int | None, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return getattr(user, "pk", None), getattr(user, "username", str(user))


def record(
    action: str,
    *,
    user: Any = None,
    obj: Any = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    before: dict | None = None,
    after: dict | None = None,
    detail: dict | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Append one event to the chain (inside the caller's transaction, if any)."""
    ctx = context.current()
    actor = user if user is not None else ctx.actor
    actor_id, name = _actor(actor)
    if actor_name is not None:
        name = actor_name
    elif not name and ctx.channel == "cli":
        name = "system"
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor_name=name,
        action=action,
        outcome=outcome,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        related_org_id=_related_org(obj),
        before=before,
        after=after,
        detail=detail or {},
        source_address=ctx.source_address,
        request_id=ctx.request_id,
        channel=ctx.channel,
    )
    key = _event_key()
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        event.id = head.last_id + 1
        event.prev_hash = head.last_hash
        event.hash_version = chain.HMAC_SHA256
        event.hash = chain.seal(key, event.prev_hash, chain.fields_of(event))
        event.save(force_insert=True, _chain_insert=True)
        ChainHead.objects.filter(id=1).update(last_id=event.id, last_hash=event.hash)
        _anchor_after_commit(action, event)
    return event


def _event_key() -> bytes:
    """The chain key; created on first use only while no event has been sealed with one
    (a lost key must not silently start a second chain: the write is refused instead)."""
    try:
        return chain.event_key()
    except chain.KeyMissing:
        if AuditEvent.objects.filter(hash_version=chain.HMAC_SHA256).exists():
            logger.error("审计密钥缺失，已拒绝写入审计事件：%s", chain.key_source())
            raise
        chain.create_key_file()
        return chain.event_key()


def _anchor_after_commit(action: str, event: AuditEvent) -> None:
    """Checkpoint every N events, and at epochs, once the event has committed; a rolled
    back event (whose id is used again) never reaches the anchor file."""
    kind = EPOCH_ACTIONS.get(action)
    _Process.appended = True
    if kind is None and event.id % settings.AUDIT_CHECKPOINT_EVERY:
        return
    event_id, event_hash = event.id, event.hash
    transaction.on_commit(
        lambda: anchor.append(kind or anchor.CHECKPOINT, event_id, event_hash), robust=True
    )


def _related_org(obj: Any) -> int | None:
    if obj is None:
        return None
    getter = getattr(obj, "audit_related_org_id", None)
    return getter() if callable(getter) else None


def verify(batch: int = 2000) -> Report:
    """Every break of the chain, its head and its anchor (see verify.py)."""
    return walk(batch=batch)


@dataclass
class Checkpoint:
    ok: bool
    message: str
    event_id: int = 0


def checkpoint() -> Checkpoint:
    """Anchor the committed chain head (cron, process exit): after checking that the head
    names a sealed event and is not behind the last checkpoint."""
    head = ChainHead.objects.filter(id=1).first()
    if head is None or head.last_id == 0:
        return Checkpoint(True, "审计链还没有事件，无需检查点。")
    event = AuditEvent.objects.filter(id=head.last_id).first()
    if (
        event is None
        or event.hash != head.last_hash
        or event.hash_version != chain.HMAC_SHA256
        or not chain.matches(
            chain.seal(chain.event_key(), event.prev_hash, chain.fields_of(event)), event.hash
        )
    ):
        return _refused(f"链头记录的第 {head.last_id} 条事件不存在或未通过密钥校验，未写检查点。")
    state = anchor.read()
    if not state.exists:
        return _refused(
            f"检查点文件 {state.path} 不存在，未写检查点。请先调查文件为何丢失，"
            "确认无误后运行 dangjian audit checkpoint --restart。"
        )
    reached = state.reached
    if reached is not None and reached.id > head.last_id:
        return _refused(
            f"链头（第 {head.last_id} 条）落后于检查点（{reached.at}，第 {reached.id} 条），"
            "链尾可能被删除，未写检查点。请运行 dangjian audit verify。"
        )
    if reached is not None and reached.id == head.last_id:
        return Checkpoint(True, f"检查点已是最新：第 {head.last_id} 条。", head.last_id)
    if not anchor.append(anchor.CHECKPOINT, head.last_id, head.last_hash):
        return Checkpoint(False, f"检查点写入失败（{state.path}），详见日志。")
    return Checkpoint(True, f"已写入检查点：第 {head.last_id} 条。", head.last_id)


def _refused(message: str) -> Checkpoint:
    logger.error("审计检查点：%s", message)
    return Checkpoint(False, message)


def restart_anchor() -> Checkpoint:
    """Start a new anchor file after the old one was lost: an audited epoch. Refused while
    the file holds valid lines (restarting would drop what they prove)."""
    state = anchor.read()
    if state.valid:
        return _refused(f"检查点文件 {state.path} 仍有有效记录，不能重新开始。")
    event = record("audit_anchor_restart", detail={"file": str(state.path)})
    reached = anchor.read().reached
    if reached is None or reached.id != event.id:
        return Checkpoint(False, f"检查点文件写入失败（{state.path}），详见日志。", event.id)
    return Checkpoint(True, f"已重新开始检查点文件：自第 {event.id} 条起。", event.id)


def _exit_checkpoint() -> None:
    """At the exit of a process that appended events (gunicorn workers, CLI commands)."""
    if not _Process.appended:
        return
    try:
        result = checkpoint()
    except Exception:
        logger.exception("退出时写审计检查点失败。")
        return
    if not result.ok:
        logger.error("退出时未写审计检查点：%s", result.message)


if not settings.TESTING:  # tests call it themselves
    atexit.register(_exit_checkpoint)
