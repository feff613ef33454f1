"""RestrictedQuerySet: `Model.objects.restrict(user, action)` for every scoped model."""

from __future__ import annotations

from typing import Any

from django.db import models

from .db import path_prefix_q
from .scoping import perm_name, scope_q


def side_path_field(model: Any, action: str) -> str:
    """The path lookup `restrict(user, action)` filters on.

    A write action the model declares in `write_sides` (writes by side, DESIGN §4) is
    filtered on the path of the org whose side may do it — a finding's raising org, not
    the org it was raised against; anything else, and every read, on `scope_path_field`.
    """
    if action != "view":
        side = getattr(model, "write_sides", {}).get(action)
        if side:
            return side
    return model.scope_path_field


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        """Rows of this model the user may `action`, as one WHERE clause on the tree path
        (the writing side's path for a write the model declares in `write_sides`; for
        reading, also any path the model names in `also_viewed_through`)."""
        perm = perm_name(self.model, action)
        q = scope_q(user, perm, side_path_field(self.model, action))
        if action == "view":
            for path_field in getattr(self.model, "also_viewed_through", ()):
                extra = scope_q(user, perm, path_field)
                if extra is not None:
                    q = extra if q is None else q | extra
        if q is None:
            return self.none()
        return self.filter(q) if q else self.all()

    def holding(self, user: Any, perm: str) -> RestrictedQuerySet:
        """Rows whose owning org lies where `user` holds `perm` (any permission, not only
        this model's): `Organization.objects.holding(user, "activities.add_activity")` are
        the orgs the user may record activities in. One WHERE clause on the tree path."""
        return self._on_path(user, perm, self.model.scope_path_field)

    def _on_path(self, user: Any, perm: str, path_field: str) -> RestrictedQuerySet:
        q = scope_q(user, perm, path_field)
        if q is None:
            return self.none()
        return self.filter(q) if q else self.all()

    def within(self, org: Any) -> RestrictedQuerySet:
        """Rows in the subtree of `org` (an Organization), by path prefix."""
        return self.filter(path_prefix_q(self.model.scope_path_field, org.path))


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass
