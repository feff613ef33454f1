"""Generic write services: atomic, scope re-checked inside the transaction, audited.

Domain services call these (or follow the same pattern) so that every write that
matters has one shape: validate → write → re-check scope → audit, or roll back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from .models import snapshot
from .signals import audit_event


class OutOfScope(PermissionDenied):
    """Raised when a write would leave the object outside the actor's scope."""


def emit(
    action: str,
    obj: Any = None,
    *,
    before=None,
    after=None,
    outcome="success",
    user: Any = None,
    **detail,
):
    """Send an audit event (the audit app writes it inside the current transaction).

    `user` names the actor; without it the request's user is recorded. Services that also
    run outside a request (CLI, cron, migrations) pass the user they were given.
    """
    audit_event.send(
        sender=type(obj) if obj is not None else None,
        action=action,
        obj=obj,
        before=before,
        after=after,
        outcome=outcome,
        detail=detail,
        user=user,
    )


class ErrorCollector:
    """Validation messages gathered field by field, raised together as one ValidationError:
    a service checks everything before writing and reports every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def ensure_in_scope(user: Any, instance: models.Model, action: str) -> None:
    model = type(instance)
    if not model.objects.restrict(user, action).filter(pk=instance.pk).exists():  # type: ignore[attr-defined]
        raise OutOfScope("对象不在您的管辖范围内。")


def save_object(
    user: Any,
    instance: models.Model | None = None,
    *,
    before: dict | None = None,
    save: Callable[[], Any] | None = None,
) -> models.Model:
    """Create or update `instance` for `user`; audited; rolled back when out of scope.

    `before` is the snapshot taken when the object was loaded (None for a create).
    `save` writes instead of `instance.save()`, in the same transaction: a form's save with
    its many-to-many rows, or a serializer's save (whose returned object is the instance).
    """
    creating = before is None
    with transaction.atomic():
        if save is None:
            assert instance is not None
            instance.save()
        else:
            saved = save()
            if isinstance(saved, models.Model):
                instance = saved
        assert instance is not None
        ensure_in_scope(user, instance, "add" if creating else "change")
        emit("create" if creating else "update", instance, before=before, after=snapshot(instance))
    return instance


def delete_object(user: Any, instance: models.Model) -> None:
    with transaction.atomic():
        ensure_in_scope(user, instance, "delete")
        before = snapshot(instance)
        emit("delete", instance, before=before, after=None)
        instance.delete()
