"""The seal of an audit event: HMAC-SHA256 under a key kept outside the database.

hash_version 1 (LEGACY) is the first format: an unkeyed SHA-256 of prev_hash + payload.
Whoever can write the table can recompute it, so `verify` never accepts it; `rekey` (run by
migration 0003 on upgrade) checks such a chain once and re-seals it as version 2:
HMAC-SHA256(chain subkey, prev_hash + "\\n" + payload).

The payload and both formats are frozen: stored events are checked against them, and
migration 0003 imports this module. A new format needs a new hash_version.

The key is `DANGJIAN_AUDIT_KEY` (urlsafe base64 of 32 bytes) or the file `audit.key` in
the data dir, created at set-up with mode 0600 — never in the database, never in a backup.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64
LEGACY = 1
HMAC_SHA256 = 2

CHAINED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "object_repr",
    "related_org_id",
    "before",
    "after",
    "detail",
    "source_address",
    "request_id",
    "channel",
)


class KeyMissing(ImproperlyConfigured):
    """No audit key is configured (and creating one would orphan an existing keyed chain)."""


def key_source() -> str:
    if settings.AUDIT_KEY:
        return "环境变量 DANGJIAN_AUDIT_KEY"
    return str(settings.AUDIT_KEY_FILE)


def key_text() -> str | None:
    """The configured key as text, or None. Read on every call: a restored key takes effect."""
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.strip()
    try:
        return Path(settings.AUDIT_KEY_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def create_key_file() -> None:
    """Write a new random key to AUDIT_KEY_FILE (0600), unless one exists already."""
    path = Path(settings.AUDIT_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")


@lru_cache(maxsize=4)
def _subkeys(text: str) -> tuple[bytes, bytes]:
    try:
        raw = base64.urlsafe_b64decode(text.encode())
    except (ValueError, binascii.Error) as exc:
        raise ImproperlyConfigured(f"审计密钥（{key_source()}）不是有效的 base64 编码。") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"审计密钥（{key_source()}）必须是 32 字节密钥的 urlsafe base64 编码。"
        )
    # Separate subkeys: a checkpoint line can never pass for an event seal, nor the reverse.
    return (
        hmac.new(raw, b"dangjian-audit-chain", hashlib.sha256).digest(),
        hmac.new(raw, b"dangjian-audit-anchor", hashlib.sha256).digest(),
    )


def _keys() -> tuple[bytes, bytes]:
    text = key_text()
    if text is None:
        raise KeyMissing(
            f"审计密钥缺失：请把原来的 audit.key 放回 {settings.AUDIT_KEY_FILE}（权限 0600），"
            "或设置环境变量 DANGJIAN_AUDIT_KEY。"
        )
    return _subkeys(text)


def event_key() -> bytes:
    return _keys()[0]


def anchor_key() -> bytes:
    return _keys()[1]


def fields_of(event: Any, event_id: int | None = None) -> dict[str, Any]:
    """The sealed fields of an event (of the model or a migration's historical model)."""
    values = {name: getattr(event, name) for name in CHAINED_FIELDS}
    values["occurred_at"] = event.occurred_at.isoformat()
    if event_id is not None:
        values["id"] = event_id
    return values


def _payload(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)


def seal(key: bytes, prev_hash: str, fields: dict[str, Any]) -> str:
    message = prev_hash.encode() + b"\n" + _payload(fields).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def legacy_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _payload(fields)).encode()).hexdigest()


def matches(expected: str, stored: str) -> bool:
    return hmac.compare_digest(expected, stored)
