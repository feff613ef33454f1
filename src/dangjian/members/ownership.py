"""A member's own record: the one linked to the signed-in account (`Member.account`).

Ownership is not an org permission: it opens one member's own rows to that member whatever
roles the account holds, and nothing else (decisions/0011). Pages and APIs that show a member
their own data start from `own_member(user)` and filter on that member; they never widen
`restrict()`.
"""

from __future__ import annotations

from typing import Any

from .models import Member

_CACHE = "_own_member_cache"
_MISSING = object()


def own_member(user: Any) -> Member | None:
    """The member linked to `user`, or None (anonymous, unlinked, or the CLI operator).

    One query per user object (a request's user), remembered on it.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return None
    cached = getattr(user, _CACHE, _MISSING)
    if cached is _MISSING:
        cached = Member.objects.select_related("org").filter(account_id=user.pk).first()
        setattr(user, _CACHE, cached)
    return cached  # type: ignore[return-value]


def forget(user: Any) -> None:
    """Drop the remembered link (after linking or unlinking within the same request)."""
    if user is not None and hasattr(user, _CACHE):
        delattr(user, _CACHE)
