"""Member API: scoped viewsets whose writes go through members.services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedModelViewSet

from .. import services
from ..filtersets import ExemptionFilterSet, ExitFilterSet, MemberFilterSet, TransferFilterSet
from ..models import Exemption, Exit, Member, Transfer
from .serializers import (
    ExemptionSerializer,
    ExitSerializer,
    ExtendProbationSerializer,
    MemberSerializer,
    TransferSerializer,
)


def _as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


class MemberViewSet(ScopedModelViewSet):
    queryset = Member.objects.select_related("org", "unit")
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        arrived_from, arrived_on = data.pop("arrived_from", ""), data.pop("arrived_on", None)
        try:
            if arrived_from or arrived_on:
                serializer.instance, _transfer = services.receive_member(
                    self.request.user,
                    arrived_on=arrived_on,
                    external_org_name=arrived_from,
                    **data,
                )
            else:
                serializer.instance = services.create_member(self.request.user, **data)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.update_member(
                self.request.user, serializer.instance, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    def perform_destroy(self, instance):
        try:
            services.delete_member(self.request.user, instance)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    @extend_schema(request=ExtendProbationSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"], url_path="extend-probation")
    def extend_probation(self, request, pk=None):
        """延长预备期: once, 6–12 months (发展党员工作细则 第三十二条)."""
        body = ExtendProbationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            member = services.extend_probation(
                request.user,
                self.get_object(),
                data["months"],
                data["decided_on"],
                data.get("reason", ""),
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        return Response(self.get_serializer(member).data)


class ExemptionViewSet(ScopedModelViewSet):
    queryset = Exemption.objects.select_related("member")
    serializer_class = ExemptionSerializer
    filterset_class = ExemptionFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            serializer.instance = services.add_exemption(
                self.request.user,
                data.pop("member"),
                data.pop("reason"),
                data.pop("starts_on"),
                **data,
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc


class TransferViewSet(ScopedModelViewSet):
    """Transfers are history: created (which moves the member) and read, never edited."""

    queryset = Transfer.objects.select_related("member", "from_org", "to_org")
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.transfer_member(
                self.request.user,
                data["member"],
                data.get("to_org"),
                data["transferred_on"],
                external_org_name=data.get("external_org_name", ""),
                letter_number=data.get("letter_number", ""),
                dues_paid_until=data.get("dues_paid_until", ""),
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc


class ExitViewSet(ScopedModelViewSet):
    """出党/减少: recorded (which ends the member's membership) and read, never edited."""

    queryset = Exit.objects.select_related("member", "approved_by_org")
    serializer_class = ExitSerializer
    filterset_class = ExitFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.record_exit(
                self.request.user,
                data["member"],
                data["kind"],
                data["left_on"],
                reason=data.get("reason", ""),
                approved_by_org=data.get("approved_by_org"),
                approved_by_name=data.get("approved_by_name", ""),
                document_number=data.get("document_number", ""),
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
