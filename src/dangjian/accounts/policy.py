"""The account policy every way in obeys: pages, session API calls, tokens (DESIGN §11).

One place says when an account may act at all, so the session middleware, the token
authentication and token creation cannot drift apart.
"""

from __future__ import annotations

from typing import Any

ACCOUNT_DISABLED = "账号已停用，请联系系统管理员。"
ACCOUNT_EXPIRED = "账号已过有效期，请联系系统管理员。"
MFA_FIRST = "您的角色须使用两步验证：请在网页上重新登录并完成两步验证设置后再继续。"
MUST_CHANGE_FIRST = (
    "请先修改密码：您正在使用管理员设置的初始密码，或密码已超过有效期。"
    "请在网页上登录并修改密码后再继续。"
)


def account_refusal(user: Any) -> str | None:
    """Why the account may not be used at all (disabled or expired), or None."""
    if not user.is_active:
        return ACCOUNT_DISABLED
    if user.account_expired():
        return ACCOUNT_EXPIRED
    return None


def password_refusal(user: Any) -> str | None:
    """Why the account may do nothing but change its password, or None."""
    return MUST_CHANGE_FIRST if user.password_change_required() else None
