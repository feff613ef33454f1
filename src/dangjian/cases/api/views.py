"""Cases API: scoped viewsets whose writes go through cases.services.

- `cases/`: list (filters: year, case_type, status, rating, provincial, within, q), read,
  create, change, delete; action `submit` (草稿 → 已提交);
- `case-ratings/`: the 工委's ratings (create / change / delete on the 工委's side only);
- `case-awards/`: external awards on the unit's own cases;
- `case-files/`: read (files go up and down through the pages);
- `brands/`: the 1+N brands.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedActionsMixin, ScopedModelViewSet

from .. import services
from ..models import Brand, Case, CaseAward, CaseFile, CaseRating
from ..views import brand_rows, case_rows
from .filtersets import (
    BrandFilterSet,
    CaseAwardFilterSet,
    CaseFileFilterSet,
    CaseFilterSet,
    CaseRatingFilterSet,
)
from .serializers import (
    BrandSerializer,
    CaseAwardSerializer,
    CaseFileSerializer,
    CaseRatingSerializer,
    CaseSerializer,
)


def _api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


def _fields(serializer, names, instance=None) -> dict:
    data = serializer.validated_data
    return {n: data[n] if n in data else getattr(instance, n, "") for n in names}


class CaseViewSet(ScopedActionsMixin, ScopedModelViewSet):
    queryset = case_rows(Case.objects.all())
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    action_scopes = {"submit": "change"}

    def perform_create(self, serializer):
        try:
            fields = _fields(serializer, services.CASE_FIELDS)
            serializer.instance = services.save_case(self.request.user, None, **fields)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_update(self, serializer):
        instance = serializer.instance
        try:
            fields = _fields(serializer, services.CASE_FIELDS, instance)
            serializer.instance = services.save_case(self.request.user, instance, **fields)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_destroy(self, instance):
        try:
            services.delete_case(self.request.user, instance)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        case = self.get_object()
        try:
            services.submit_case(request.user, case)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)


class CaseRatingViewSet(ScopedModelViewSet):
    queryset = CaseRating.objects.select_related("case", "case__org", "rated_by_org")
    serializer_class = CaseRatingSerializer
    filterset_class = CaseRatingFilterSet

    def _rate(self, serializer, case):
        data = serializer.validated_data
        instance = serializer.instance
        try:
            serializer.instance = services.rate_case(
                self.request.user,
                case,
                rating=data.get("rating", getattr(instance, "rating", None)),
                rated_on=data.get("rated_on", getattr(instance, "rated_on", None)),
                note=data.get("note", getattr(instance, "note", "")),
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_create(self, serializer):
        self._rate(serializer, serializer.validated_data["case"])

    def perform_update(self, serializer):
        if (
            "case" in serializer.validated_data
            and serializer.validated_data["case"].pk != serializer.instance.case_id
        ):
            raise serializers.ValidationError({"case": ["评定所属的案例不能修改。"]})
        self._rate(serializer, serializer.instance.case)

    def perform_destroy(self, instance):
        services.delete_rating(self.request.user, instance)


class CaseAwardViewSet(ScopedModelViewSet):
    queryset = CaseAward.objects.select_related("case", "case__org")
    serializer_class = CaseAwardSerializer
    filterset_class = CaseAwardFilterSet

    def _save(self, serializer, instance=None):
        case = serializer.validated_data.get("case") or (instance.case if instance else None)
        try:
            fields = _fields(serializer, services.AWARD_FIELDS, instance)
            serializer.instance = services.save_award(self.request.user, case, instance, **fields)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class CaseFileViewSet(ScopedModelViewSet):
    queryset = CaseFile.objects.select_related("case")
    serializer_class = CaseFileSerializer
    filterset_class = CaseFileFilterSet
    http_method_names = ["get", "head", "options"]


class BrandViewSet(ScopedModelViewSet):
    queryset = brand_rows(Brand.objects.all())
    serializer_class = BrandSerializer
    filterset_class = BrandFilterSet

    def _save(self, serializer, instance=None):
        try:
            fields = _fields(serializer, services.BRAND_FIELDS, instance)
            serializer.instance = services.save_brand(self.request.user, instance, **fields)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        try:
            services.delete_brand(self.request.user, instance)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
