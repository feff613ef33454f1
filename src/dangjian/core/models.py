"""Base models of the in-house framework."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import RestrictedManager


class TimestampedModel(models.Model):
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(TimestampedModel):
    """A model whose rows belong to an org subtree.

    Subclasses set `scope_path_field` to the lookup of the owning org's tree path
    (e.g. "org__path"); `objects.restrict(user, action)` filters on it.
    `sensitive_fields` are masked in audit snapshots and exports.
    """

    scope_path_field: ClassVar[str] = "org__path"
    sensitive_fields: ClassVar[tuple[str, ...]] = ()
    audit_exclude: ClassVar[tuple[str, ...]] = ("created", "updated")

    objects = RestrictedManager()

    class Meta:
        abstract = True

    def audit_related_org_id(self) -> Any:
        """The org a change to this row shows under (NetBox-style related object)."""
        return getattr(self, "org_id", None)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """A JSON-safe dict of the concrete fields, sensitive ones masked, for the audit trail."""
    sensitive = set(getattr(instance, "sensitive_fields", ()))
    exclude = set(getattr(instance, "audit_exclude", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.name.endswith("_blind"):
            continue
        value = getattr(instance, field.attname)
        if field.name in sensitive:
            masker = getattr(instance, f"masked_{field.name}", None)
            value = masker() if callable(masker) else ("***" if value else "")
        elif value is not None and not isinstance(value, bool | int | float | str):
            value = str(value)
        data[field.attname] = value
    return data
