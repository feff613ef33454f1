"""Password policy validators (DESIGN §11), plugged into AUTH_PASSWORD_VALIDATORS.

Length and common-password checks are Django's own; these add the character-class
rule and the ban on reusing recent passwords. The 90-day age is `User.password_expired()`
enforced by `SessionPolicyMiddleware`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

CLASS_LABELS = ("大写字母", "小写字母", "数字", "特殊符号")


def character_classes(password: str) -> int:
    """How many of the four classes (upper, lower, digit, symbol) the password uses."""
    return sum(
        (
            any(c.isascii() and c.isupper() for c in password),
            any(c.isascii() and c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须包含{'、'.join(CLASS_LABELS)}中的至少 {self.min_classes} 类。"


class PasswordHistoryValidator:
    """Refuses the current password and the last `PASSWORD_HISTORY_COUNT` ones."""

    def __init__(self, count: int | None = None) -> None:
        self._count = count

    @property
    def count(self) -> int:
        return self._count if self._count is not None else settings.PASSWORD_HISTORY_COUNT

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        hashes = list(user.password_history.values_list("password", flat=True)[: self.count])
        if user.has_usable_password():
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in dict.fromkeys(hashes)):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def get_help_text(self) -> str:
        return f"不能使用最近 {self.count} 次用过的密码，请换一个新密码。"
