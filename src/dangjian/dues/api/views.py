"""`/api/dues-bases/`, `/api/dues/`, `/api/dues-payments/`, `/api/dues-reductions/`,
`/api/dues-remittances/`: reads through restrict(), writes through dues.services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from dangjian.core.api import ScopedActionsMixin, ScopedModelViewSet
from dangjian.core.permissions import ScopedPermission
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .. import services
from ..filtersets import (
    DuesBaseFilterSet,
    DuesDueFilterSet,
    DuesPaymentFilterSet,
    DuesReductionFilterSet,
    DuesRemittanceFilterSet,
)
from ..models import DuesBase, DuesDue, DuesPayment, DuesReduction, DuesRemittance
from .serializers import (
    ApproveSerializer,
    ConfirmSerializer,
    DuesBaseSerializer,
    DuesDueSerializer,
    DuesPaymentSerializer,
    DuesReductionSerializer,
    DuesRemittanceSerializer,
)


def _member(request, pk: int) -> Member:
    member = (
        Member.objects.restrict(request.user, "view").select_related("org").filter(pk=pk).first()
    )
    if member is None:
        raise NotFound("未找到该党员。")
    return member


class DuesBaseViewSet(ScopedModelViewSet):
    queryset = DuesBase.objects.select_related("member", "member__org")
    serializer_class = DuesBaseSerializer
    filterset_class = DuesBaseFilterSet
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member = _member(self.request, data.pop("member_id"))
        serializer.instance = services.save_base(self.request.user, member, **data)

    def perform_update(self, serializer):
        instance = serializer.instance
        fields = {f: getattr(instance, f) for f in services.BASE_FIELDS}
        fields.update({k: v for k, v in serializer.validated_data.items() if k != "member_id"})
        serializer.instance = services.save_base(
            self.request.user, instance.member, instance, **fields
        )


class DuesPaymentViewSet(ScopedModelViewSet):
    queryset = DuesPayment.objects.select_related("member", "org")
    serializer_class = DuesPaymentSerializer
    filterset_class = DuesPaymentFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member = _member(self.request, data.pop("member_id"))
        serializer.instance = services.record_payment(self.request.user, member, **data)

    def perform_destroy(self, instance):
        services.cancel_payment(self.request.user, instance)


class DuesDueViewSet(viewsets.ReadOnlyModelViewSet):
    """Each member's monthly dues (computed, never typed)."""

    queryset = DuesDue.objects.all()
    serializer_class = DuesDueSerializer
    filterset_class = DuesDueFilterSet
    permission_classes = [ScopedPermission]

    def get_queryset(self):
        return self.queryset.restrict(self.request.user, "view")


class DuesReductionViewSet(
    ScopedActionsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = DuesReduction.objects.select_related("member", "member__org")
    serializer_class = DuesReductionSerializer
    filterset_class = DuesReductionFilterSet
    action_scopes = {"approve": "view"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member = _member(self.request, data.pop("member_id"))
        serializer.instance = services.request_reduction(self.request.user, member, **data)

    @extend_schema(
        request=ApproveSerializer, responses=DuesReductionSerializer, summary="上级批准少交/免交"
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        reduction = self.get_object()
        payload = ApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.approve_reduction(request.user, reduction, **payload.validated_data)
        return Response(DuesReductionSerializer(reduction, context={"request": request}).data)


class DuesRemittanceViewSet(
    ScopedActionsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = DuesRemittance.objects.select_related("from_org", "to_org")
    serializer_class = DuesRemittanceSerializer
    filterset_class = DuesRemittanceFilterSet
    action_scopes = {"confirm": "view"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        org = (
            Organization.objects.restrict(self.request.user, "view")
            .filter(pk=data.pop("from_org_id"))
            .first()
        )
        if org is None:
            raise NotFound("未找到该党组织。")
        serializer.instance = services.record_remittance(self.request.user, org, **data)

    @extend_schema(
        request=ConfirmSerializer, responses=DuesRemittanceSerializer, summary="确认接收上缴党费"
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        remittance = self.get_object()
        payload = ConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.confirm_remittance(request.user, remittance, payload.validated_data["received_on"])
        return Response(DuesRemittanceSerializer(remittance, context={"request": request}).data)
