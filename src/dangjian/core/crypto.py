"""Field encryption at rest and keyed blind indexes (DESIGN §11).

The key lives outside the database: `DANGJIAN_FIELD_KEY` (urlsafe base64 of 32 bytes) or a
file `field.key` under the data dir, created on first use with mode 0600. Ciphertext is
Fernet (AES-128-CBC + HMAC-SHA256); exact lookups use an HMAC-SHA256 blind index under a
key derived from the same secret, so the database never sees the plaintext.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=1)
def _master_key() -> bytes:
    raw = settings.FIELD_KEY
    if not raw:
        path = settings.FIELD_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(Fernet.generate_key().decode())
        raw = path.read_text().strip()
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("DANGJIAN_FIELD_KEY 不是有效的 base64 密钥。") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("DANGJIAN_FIELD_KEY 必须是 32 字节密钥的 urlsafe base64 编码。")
    return key


def _subkey(purpose: bytes) -> bytes:
    return hmac.new(_master_key(), purpose, hashlib.sha256).digest()


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_subkey(b"dangjian-field-encryption")))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("无法解密敏感字段：字段密钥与数据不匹配。") from exc


def blind_index(value: str) -> str:
    """Deterministic keyed digest for exact-match lookup of an encrypted value."""
    normalized = value.strip().upper()
    return hmac.new(
        _subkey(b"dangjian-blind-index"), normalized.encode(), hashlib.sha256
    ).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees plaintext."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


# Masks (decisions/0008): what they show must leave at least 10 000 candidates once combined
# with everything else the platform returns to a role without the reveal right. The ID
# number's digits all correlate with shown fields (area with the org's city, birth date with
# the birth year, the 17th digit with the gender), so none is shown; the phone's last two
# digits correlate with nothing.
ID_NUMBER_MASK = "*" * 18
PHONE_SHOWN_DIGITS = 2


def mask_id_number(value: str | None) -> str:
    """Any stored ID number → 18 asterisks: it says one is on record, nothing more."""
    return ID_NUMBER_MASK if value else ""


def mask_birth_date(value: dt.date | None) -> str:
    """`1986-08-19` → `1986年`: the year alone, beside a masked ID number (decisions/0008)."""
    return f"{value.year}年" if value else ""


def mask_phone(value: str | None) -> str:
    """`13812345678` → `*********78` (always 11 characters, whatever was stored)."""
    if not value:
        return ""
    tail = value[-PHONE_SHOWN_DIGITS:] if len(value) > PHONE_SHOWN_DIGITS + 6 else ""
    return "*" * (11 - len(tail)) + tail
