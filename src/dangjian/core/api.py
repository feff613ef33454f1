"""API base classes: scoped permission, pagination, viewsets and serializers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from . import services
from .fields import BoundedFieldsMixin, IdRelatedField
from .models import snapshot
from .permissions import METHOD_ACTIONS, ActionScopedPermission, Pagination, ScopedPermission

__all__ = [
    "ActionScopedPermission",
    "Pagination",
    "ScopedActionsMixin",
    "ScopedModelSerializer",
    "ScopedModelViewSet",
    "ScopedPermission",
    "exception_handler",
]


class ScopedRelatedField(IdRelatedField):
    """A foreign key the user may only point at rows they can view."""

    def get_queryset(self):
        qs = super().get_queryset()
        request = self.context.get("request")
        return qs.restrict(request.user if request else None, "view")


class ScopedModelSerializer(BoundedFieldsMixin, serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField


class ScopedModelViewSet(viewsets.ModelViewSet):
    """A model viewset whose every query goes through `restrict` and every write through services."""

    queryset: Any = None

    def get_queryset(self):
        action = METHOD_ACTIONS.get(self.request.method or "GET", "view")
        return self.queryset.restrict(self.request.user, action)

    def perform_create(self, serializer):
        services.save_object(self.request.user, save=serializer.save)

    def perform_update(self, serializer):
        before = snapshot(serializer.instance)
        services.save_object(self.request.user, before=before, save=serializer.save)

    def perform_destroy(self, instance):
        services.delete_object(self.request.user, instance)


class ScopedActionsMixin:
    """For a viewset with custom actions: `action_scopes` maps an action to the scope action
    its rows are fetched with (`{"release": "change"}`), so a custom action's object is
    looked up in `restrict(user, <that action>)` and out of scope answers 404."""

    action_scopes: dict[str, str] = {}
    permission_classes: Any = [ActionScopedPermission]

    def get_queryset(self):
        scope = self.action_scopes.get(self.action) or METHOD_ACTIONS.get(  # type: ignore[attr-defined]
            self.request.method or "GET",  # type: ignore[attr-defined]
            "view",
        )
        return self.queryset.restrict(self.request.user, scope)  # type: ignore[attr-defined]


def exception_handler(exc, context):
    """Scope violations inside a write become 404 (same answer as "missing")."""
    if isinstance(exc, services.OutOfScope | Http404):
        exc = NotFound("未找到。")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or "没有权限。")
    elif hasattr(exc, "message_dict"):
        exc = ValidationError(exc.message_dict)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 403:
        services.emit(
            "permission_denied",
            None,
            outcome="failure",
            path=context["request"].path,
            method=context["request"].method,
        )
    return response
