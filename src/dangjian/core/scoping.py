"""The scoping rule (DESIGN §4): one database filter per (user, action).

A user's role assignments each grant a set of permissions over an org's subtree. For a
permission, the user's scope is the set of tree paths of those orgs; an object is in
scope when its org's materialized path starts with one of them. The user model supplies
`get_scope_paths(perm) -> list[str]` (accounts app); core only relies on that method,
so it imports no domain app.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import Q

from .db import path_prefix_q


class ScopedUser(Protocol):
    is_authenticated: bool

    def get_scope_paths(self, perm: str) -> list[str]: ...


class SystemActor:
    """The server operator (CLI, cron jobs): the whole tree, and recorded as such in the audit."""

    is_authenticated = True
    is_active = True
    pk = None
    username = "system"

    def get_scope_paths(self, perm: str) -> list[str]:
        return [""]

    def has_global_perm(self, perm: str) -> bool:
        return True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def minimal_paths(paths: list[str]) -> list[str]:
    """Drop paths that lie under another path of the list (their subtree is already covered)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=lambda p: (len(p), p)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope_paths(user: Any, perm: str) -> list[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if not getattr(user, "is_active", True):
        return []
    getter = getattr(user, "get_scope_paths", None)
    if getter is None:
        return []
    return minimal_paths(getter(perm))


def scope_q(user: Any, perm: str, path_field: str) -> Q | None:
    """The Q that limits `path_field` to the user's scope for `perm`; None when no scope."""
    paths = scope_paths(user, perm)
    if not paths:
        return None
    if "" in paths:
        return Q()
    q = Q()
    for path in paths:
        q |= path_prefix_q(path_field, path)
    return q


def holds(user: Any, perm: str, path: str | None = None) -> bool:
    """Does `user` hold `perm` over the org at tree `path` (granted there or above it)?
    Without `path`: anywhere in the tree.

    The one path check (no query: the user's grants are loaded once per request). For the
    orgs where a user holds a permission as a queryset, use
    `Organization.objects.holding(user, perm)`.
    """
    paths = scope_paths(user, perm)
    if path is None:
        return bool(paths)
    return any(path.startswith(p) for p in paths)


def holds_at_top(user: Any, perm: str, top_len: int) -> bool:
    """Does `user` hold `perm` over a whole tree: granted at a root (a path of `top_len`
    characters, one tree step) or as the whole-tree actor? For deployment-wide settings
    (tags, holidays, rule switches) that no single branch owns."""
    return any(len(p) <= top_len for p in scope_paths(user, perm))


def perm_name(model: Any, action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def has_any_scope(user: Any, model: Any, action: str) -> bool:
    """Does the user hold `action` on `model` anywhere? False answers 403, True then 404s."""
    return holds(user, perm_name(model, action))


def has_global_perm(user: Any, perm: str) -> bool:
    """Permissions that are not about org data (accounts, audit, policy)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    checker = getattr(user, "has_global_perm", None)
    return bool(checker and checker(perm))
