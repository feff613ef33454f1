"""RestrictedQuerySet: `Model.objects.restrict(user, action)` for every scoped model."""

from __future__ import annotations

from typing import Any

from django.db import models

from .db import path_prefix_q
from .scoping import perm_name, scope_q


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        """Rows of this model the user may `action`, as one WHERE clause on the tree path."""
        q = scope_q(user, perm_name(self.model, action), self.model.scope_path_field)
        if q is None:
            return self.none()
        return self.filter(q) if q else self.all()

    def within(self, org: Any) -> RestrictedQuerySet:
        """Rows in the subtree of `org` (an Organization), by path prefix."""
        return self.filter(path_prefix_q(self.model.scope_path_field, org.path))


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass
