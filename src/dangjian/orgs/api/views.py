"""Org API viewsets: scoped reads (core.api), writes through orgs.services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedModelViewSet

from .. import services, tree
from ..filtersets import CommitteePostFilterSet, OrganizationFilterSet, TermFilterSet, UnitFilterSet
from ..models import CommitteePost, Organization, Term, Unit
from .serializers import (
    CommitteePostSerializer,
    DismissSerializer,
    DissolveSerializer,
    OrganizationSerializer,
    TermSerializer,
    UnitSerializer,
)

MEMBER_COUNT = OpenApiParameter(
    "member_count", bool, description="为 true 时返回每个组织（含下级）的在册党员数 member_count"
)


def _wants_counts(request) -> bool:
    return request.query_params.get("member_count", "").lower() in {"1", "true", "yes"}


@extend_schema_view(list=extend_schema(parameters=[MEMBER_COUNT]))
class OrganizationViewSet(ScopedModelViewSet):
    """党组织. DELETE is not offered: an org is dissolved (`POST …/dissolve/`), keeping its history."""

    queryset = Organization.objects.select_related("unit")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "dissolve":
            qs = self.queryset.restrict(self.request.user, "change")
        else:
            qs = super().get_queryset()
        if self.action == "list":
            qs = qs.with_term_status().with_parent_ref()
        return qs

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["member_count"] = self.action == "list" and _wants_counts(self.request)
        return ctx

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        if _wants_counts(request):
            tree.annotate_member_totals(page)  # one query for the whole page
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_org(self.request.user, data.pop("parent"), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)  # a move and the field changes: both or neither
        serializer.instance = services.update_org(
            self.request.user, serializer.instance, parent=parent, **data
        )

    @extend_schema(request=DissolveSerializer, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        """撤销: refused while the org has active sub-orgs or members."""
        body = DissolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = services.dissolve_org(
            request.user, self.get_object(), body.validated_data.get("dissolved_on")
        )
        return Response(self.get_serializer(org).data)


class UnitViewSet(ScopedModelViewSet):
    queryset = Unit.objects.select_related("party_org")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet


class TermViewSet(ScopedModelViewSet):
    """届次. POST opens the next term (换届) and ends the current one on its start date."""

    queryset = Term.objects.select_related("org")
    serializer_class = TermSerializer
    filterset_class = TermFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.pop("ended_on", None) is not None:
            raise serializers.ValidationError({"ended_on": ["登记新届次时不能填写实际换届日期。"]})
        serializer.instance = services.start_term(
            self.request.user,
            data.pop("org"),
            data.pop("started_on"),
            data.pop("number", None),
            **data,
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_term(
            self.request.user, serializer.instance, **serializer.validated_data
        )


class CommitteePostViewSet(ScopedModelViewSet):
    """班子成员. Appointed by POST, ended by `POST …/dismiss/` (the term goes on)."""

    queryset = CommitteePost.objects.select_related("member", "term")
    serializer_class = CommitteePostSerializer
    filterset_class = CommitteePostFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        if self.action == "dismiss":
            return self.queryset.restrict(self.request.user, "change")
        return super().get_queryset()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.assign_post(
            self.request.user, data["term"], data["member"], data["post"], data.get("assigned_on")
        )

    @extend_schema(request=DismissSerializer, responses=CommitteePostSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        body = DismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.dismiss_post(
            request.user, self.get_object(), body.validated_data.get("dismissed_on")
        )
        return Response(self.get_serializer(item).data)
