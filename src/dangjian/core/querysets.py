"""RestrictedQuerySet: `Model.objects.restrict(user, action)` for every scoped model."""

from __future__ import annotations

from typing import Any

from django.db import models

from .db import path_prefix_q
from .scoping import perm_name, scope_q


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        """Rows of this model the user may `action`, as one WHERE clause on the tree path."""
        return self.holding(user, perm_name(self.model, action))

    def holding(self, user: Any, perm: str) -> RestrictedQuerySet:
        """Rows whose owning org lies where `user` holds `perm` (any permission, not only
        this model's): `Organization.objects.holding(user, "activities.add_activity")` are
        the orgs the user may record activities in. One WHERE clause on the tree path."""
        q = scope_q(user, perm, self.model.scope_path_field)
        if q is None:
            return self.none()
        return self.filter(q) if q else self.all()

    def within(self, org: Any) -> RestrictedQuerySet:
        """Rows in the subtree of `org` (an Organization), by path prefix."""
        return self.filter(path_prefix_q(self.model.scope_path_field, org.path))


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass
