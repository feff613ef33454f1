"""`/api/risk-reviews/`, `/api/risk-submissions/`, `/api/risk-points/`, `/api/measures/`,
`/api/institutions/`: reads through restrict(), writes through integrity.services."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from dangjian.core.api import ScopedModelViewSet

from .. import services
from ..filtersets import (
    InstitutionFilterSet,
    MeasureFilterSet,
    RiskPointFilterSet,
    RiskReviewFilterSet,
    RiskSubmissionFilterSet,
)
from ..models import Institution, Measure, RiskPoint, RiskReview, RiskSubmission
from .serializers import (
    InstitutionSerializer,
    MeasureSerializer,
    RiskPointSerializer,
    RiskReviewSerializer,
    RiskSubmissionSerializer,
)

WRITES = ["get", "post", "patch", "put", "delete", "head", "options"]


def _fields(serializer, names) -> dict:
    """The instance's current values overlaid with the validated ones (a PATCH sends some)."""
    instance = serializer.instance
    values = {n: getattr(instance, n) for n in names} if instance is not None else {}
    values.update({k: v for k, v in serializer.validated_data.items() if k in names})
    return values


class RiskReviewViewSet(ScopedModelViewSet):
    queryset = (
        RiskReview.objects.select_related("org")
        .annotate(
            n_units=Count("submissions"),
            n_submitted=Count("submissions", filter=Q(submissions__submitted_at__isnull=False)),
        )
        .order_by("-year", "-id")
    )
    serializer_class = RiskReviewSerializer
    filterset_class = RiskReviewFilterSet
    http_method_names = WRITES

    def perform_create(self, serializer):
        serializer.instance = services.save_review(
            self.request.user, RiskReview(), **_fields(serializer, services.REVIEW_FIELDS)
        )

    def perform_update(self, serializer):
        fields = _fields(serializer, services.REVIEW_FIELDS)
        serializer.instance = services.save_review(self.request.user, serializer.instance, **fields)

    def perform_destroy(self, instance):
        services.delete_review(self.request.user, instance)


class RiskSubmissionViewSet(ScopedModelViewSet):
    queryset = RiskSubmission.objects.select_related("org", "review")
    serializer_class = RiskSubmissionSerializer
    filterset_class = RiskSubmissionFilterSet
    http_method_names = ["get", "delete", "head", "options"]

    def perform_destroy(self, instance):
        services.delete_submission(self.request.user, instance)


class RiskPointViewSet(ScopedModelViewSet):
    queryset = RiskPoint.objects.select_related("submission__review")
    serializer_class = RiskPointSerializer
    filterset_class = RiskPointFilterSet
    http_method_names = WRITES

    def perform_create(self, serializer):
        serializer.instance = services.save_point(
            self.request.user, RiskPoint(), **_fields(serializer, services.POINT_FIELDS)
        )

    def perform_update(self, serializer):
        fields = _fields(serializer, services.POINT_FIELDS)
        serializer.instance = services.save_point(self.request.user, serializer.instance, **fields)

    def perform_destroy(self, instance):
        services.delete_point(self.request.user, instance)


class MeasureViewSet(ScopedModelViewSet):
    queryset = Measure.objects.select_related("submission__review").prefetch_related(
        Prefetch("risk_points", queryset=RiskPoint.objects.only("id"))
    )
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    http_method_names = WRITES

    def _save(self, serializer, instance):
        fields = _fields(serializer, services.MEASURE_FIELDS)
        points = serializer.validated_data.get("risk_points")
        if points is None:
            points = list(instance.risk_points.all()) if instance.pk else []
        serializer.instance = services.save_measure(
            self.request.user, instance, list(points), **fields
        )

    def perform_create(self, serializer):
        self._save(serializer, Measure())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        services.delete_measure(self.request.user, instance)


class InstitutionViewSet(ScopedModelViewSet):
    queryset = Institution.objects.select_related("submission__review")
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet
    http_method_names = WRITES

    def perform_create(self, serializer):
        serializer.instance = services.save_institution(
            self.request.user, Institution(), **_fields(serializer, services.INSTITUTION_FIELDS)
        )

    def perform_update(self, serializer):
        fields = _fields(serializer, services.INSTITUTION_FIELDS)
        serializer.instance = services.save_institution(
            self.request.user, serializer.instance, **fields
        )

    def perform_destroy(self, instance):
        services.delete_institution(self.request.user, instance)
