"""API viewsets: scoped reads; writes through the app's services (Chinese 400s)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from rest_framework.exceptions import ValidationError

from dangjian.core.api import ScopedModelViewSet

from .. import services
from ..filtersets import (
    CommunityFilterSet,
    FeedbackFilterSet,
    RegistrationFilterSet,
    TaskForceFilterSet,
)
from ..models import Community, CommunityFeedback, CommunityRegistration, TaskForce, TaskForceMember
from .serializers import (
    CommunitySerializer,
    FeedbackSerializer,
    RegistrationSerializer,
    TaskForceSerializer,
)


def _api_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"detail": exc.messages})


class _ServiceWrites(ScopedModelViewSet):
    """create/update/delete through `save` and `remove`, the app's service functions."""

    save: Any = None  # staticmethod(service) in each subclass
    remove: Any = None

    def _save(self, serializer, instance):
        try:
            serializer.instance = type(self).save(
                self.request.user, instance, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_create(self, serializer):
        self._save(serializer, self.queryset.model())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        try:
            type(self).remove(self.request.user, instance)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc


class CommunityViewSet(_ServiceWrites):
    queryset = Community.objects.all()
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilterSet
    save = staticmethod(services.save_community)
    remove = staticmethod(services.delete_community)


class RegistrationViewSet(_ServiceWrites):
    queryset = CommunityRegistration.objects.select_related("member", "community")
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilterSet
    save = staticmethod(services.save_registration)
    remove = staticmethod(services.delete_registration)


class FeedbackViewSet(_ServiceWrites):
    queryset = CommunityFeedback.objects.all()
    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilterSet
    save = staticmethod(services.save_feedback)
    remove = staticmethod(services.delete_feedback)


class TaskForceViewSet(_ServiceWrites):
    queryset = TaskForce.objects.prefetch_related(
        Prefetch("members", TaskForceMember.objects.select_related("member"))
    )
    serializer_class = TaskForceSerializer
    filterset_class = TaskForceFilterSet
    save = staticmethod(services.save_task_force)
    remove = staticmethod(services.delete_task_force)
