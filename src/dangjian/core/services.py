"""Generic write services: atomic, scope re-checked inside the transaction, audited.

Domain services call these (or follow the same pattern) so that every write that
matters has one shape: validate → write → re-check scope → audit, or roll back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from .models import snapshot
from .signals import audit_event


class OutOfScope(PermissionDenied):
    """Raised when a write would leave the object outside the actor's scope."""


def emit(action: str, obj: Any = None, *, before=None, after=None, outcome="success", **detail):
    """Send an audit event (the audit app writes it inside the current transaction)."""
    audit_event.send(
        sender=type(obj) if obj is not None else None,
        action=action,
        obj=obj,
        before=before,
        after=after,
        outcome=outcome,
        detail=detail,
    )


def ensure_in_scope(user: Any, instance: models.Model, action: str) -> None:
    model = type(instance)
    if not model.objects.restrict(user, action).filter(pk=instance.pk).exists():  # type: ignore[attr-defined]
        raise OutOfScope("对象不在您的管辖范围内。")


def save_object(
    user: Any,
    instance: models.Model,
    *,
    before: dict | None = None,
    save: Callable[[], Any] | None = None,
) -> models.Model:
    """Create or update `instance` for `user`; audited; rolled back when out of scope.

    `before` is the snapshot taken when the object was loaded (None for a create).
    `save` lets a caller save related rows too (e.g. a form's save_m2m) in the same
    transaction.
    """
    creating = instance.pk is None or before is None
    action = "create" if creating else "update"
    with transaction.atomic():
        if save is not None:
            save()
        else:
            instance.save()
        ensure_in_scope(user, instance, "add" if creating else "change")
        emit(action, instance, before=before, after=snapshot(instance))
    return instance


def delete_object(user: Any, instance: models.Model) -> None:
    with transaction.atomic():
        ensure_in_scope(user, instance, "delete")
        before = snapshot(instance)
        emit("delete", instance, before=before, after=None)
        instance.delete()
