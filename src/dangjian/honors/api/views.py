"""`/api/honor-rounds/` (read), `/api/nominations/` (read, nominate, withdraw) and
`/api/honors/`: reads through restrict(), writes through honors.services. Reviews, 公示 and
decisions are made on the round's pages by the 工委."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError

from dangjian.core.api import ScopedModelViewSet
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .. import services
from ..filtersets import HonorFilterSet, HonorRoundFilterSet, NominationFilterSet
from ..models import Honor, HonorRound, Nomination
from .serializers import HonorRoundSerializer, HonorSerializer, NominationSerializer


def _pick(request, model: Any, pk: int | None, field: str, message: str) -> Any:
    if pk is None:
        return None
    row = model.objects.restrict(request.user, "view").filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: [message]})
    return row


class HonorRoundViewSet(ScopedModelViewSet):
    queryset = HonorRound.objects.select_related("org")
    serializer_class = HonorRoundSerializer
    filterset_class = HonorRoundFilterSet
    http_method_names = ["get", "head", "options"]


class NominationViewSet(ScopedModelViewSet):
    queryset = Nomination.objects.select_related("round", "org", "member", "recipient_org")
    serializer_class = NominationSerializer
    filterset_class = NominationFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        request = self.request
        rnd = _pick(request, HonorRound, data["round_id"], "round", "评选不存在。")
        org = _pick(
            request, Organization, data["org_id"], "org", "推荐单位不存在或不在您的范围内。"
        )
        member = _pick(
            request, Member, data.get("member_id"), "member", "党员不存在或不在您的范围内。"
        )
        if member is not None:
            member = Member.objects.select_related("org").get(pk=member.pk)
        recipient = _pick(
            request,
            Organization,
            data.get("recipient_org_id"),
            "recipient_org",
            "党组织不存在或不在您的范围内。",
        )
        serializer.instance = services.nominate(
            request.user,
            rnd,
            org=org,
            title=data["title"],
            member=member,
            recipient_org=recipient,
            material=data["material"],
        )

    def perform_destroy(self, instance):
        services.withdraw(self.request.user, instance)


class HonorViewSet(ScopedModelViewSet):
    queryset = Honor.objects.select_related("org", "member", "recorded_by_org")
    serializer_class = HonorSerializer
    filterset_class = HonorFilterSet

    def _fields(self, data: dict, instance: Honor | None) -> dict:
        request = self.request
        fields = {k: v for k, v in data.items() if k in services.HONOR_FIELDS}
        if "member_id" in data:
            fields["member"] = _pick(
                request, Member, data["member_id"], "member", "党员不存在或不在您的范围内。"
            )
        if data.get("org_id") is not None:
            fields["org"] = _pick(
                request, Organization, data["org_id"], "org", "党组织不存在或不在您的范围内。"
            )
        if fields.get("member") is not None:
            fields.pop("org", None)
        return fields

    def perform_create(self, serializer):
        fields = self._fields(dict(serializer.validated_data), None)
        honor = Honor(document_number="", note="")
        serializer.instance = services.save_honor(self.request.user, honor, **fields)

    def perform_update(self, serializer):
        fields = self._fields(dict(serializer.validated_data), serializer.instance)
        serializer.instance = services.save_honor(self.request.user, serializer.instance, **fields)

    def perform_destroy(self, instance):
        services.delete_honor(self.request.user, instance)
