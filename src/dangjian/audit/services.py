"""Writing and verifying the audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.core import context

from .models import GENESIS, AuditEvent, ChainHead


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
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        event.id = head.last_id + 1
        event.prev_hash = head.last_hash
        event.hash = event.compute_hash()
        event.save(force_insert=True, _chain_insert=True)
        ChainHead.objects.filter(id=1).update(last_id=event.id, last_hash=event.hash)
    return event


def _related_org(obj: Any) -> int | None:
    if obj is None:
        return None
    getter = getattr(obj, "audit_related_org_id", None)
    return getter() if callable(getter) else None


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first altered, inserted or missing link."""
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for event in rows:
            if event.id != expected_id:
                return VerifyResult(
                    False, checked, expected_id, f"第 {expected_id} 条事件缺失（可能被删除）"
                )
            if event.prev_hash != prev_hash:
                return VerifyResult(
                    False, checked, event.id, f"第 {event.id} 条事件的前序哈希不匹配"
                )
            if event.compute_hash() != event.hash:
                return VerifyResult(
                    False, checked, event.id, f"第 {event.id} 条事件内容被篡改（哈希不匹配）"
                )
            prev_hash = event.hash
            expected_id += 1
            checked += 1
            last_id = event.id
    head = ChainHead.objects.filter(id=1).first()
    if head is not None and head.last_id != last_id:
        return VerifyResult(
            False, checked, last_id + 1, f"链尾缺失：应有 {head.last_id} 条，实有 {last_id} 条"
        )
    return VerifyResult(True, checked)
