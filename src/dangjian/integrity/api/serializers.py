"""API serializers of the register: writes go through integrity.services."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer

from ..models import Institution, Measure, RiskPoint, RiskReview, RiskSubmission


class RiskReviewSerializer(ScopedModelSerializer):
    submitted_units = serializers.IntegerField(read_only=True, source="n_submitted", default=None)
    units = serializers.IntegerField(read_only=True, source="n_units", default=None)

    class Meta:
        model = RiskReview
        fields = [
            "id",
            "org",
            "year",
            "title",
            "opens_on",
            "due_on",
            "closed",
            "warning_activity",
            "note",
            "units",
            "submitted_units",
        ]


class RiskSubmissionSerializer(ScopedModelSerializer):
    year = serializers.IntegerField(source="review.year", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    submitted = serializers.BooleanField(read_only=True)

    class Meta:
        model = RiskSubmission
        fields = ["id", "review", "year", "org", "org_name", "submitted", "submitted_at"]
        read_only_fields = fields


class _RowSerializer(ScopedModelSerializer):
    year = serializers.IntegerField(source="submission.review.year", read_only=True)
    org = serializers.IntegerField(source="submission.org_id", read_only=True)


class RiskPointSerializer(_RowSerializer):
    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "submission",
            "year",
            "org",
            "code",
            "post",
            "post_title",
            "category",
            "level",
            "description",
        ]


class MeasureSerializer(_RowSerializer):
    class Meta:
        model = Measure
        fields = [
            "id",
            "submission",
            "year",
            "org",
            "risk_points",
            "description",
            "responsible",
            "deadline",
        ]


class InstitutionSerializer(_RowSerializer):
    class Meta:
        model = Institution
        fields = [
            "id",
            "submission",
            "year",
            "org",
            "kind",
            "name",
            "issued_on",
            "document_number",
        ]
