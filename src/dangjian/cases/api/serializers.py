"""Case, rating, award and brand API serializers; writes go through cases.services."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import DateField, YearField

from ..models import YEAR_MIN, Brand, Case, CaseAward, CaseFile, CaseRating
from ..services import BRAND_YEAR_MIN


class CaseSerializer(ScopedModelSerializer):
    year = YearField(min_year=YEAR_MIN, label="年度")
    org_name = serializers.CharField(source="org.name", read_only=True)
    case_type_label = serializers.CharField(source="get_case_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    rating = serializers.CharField(source="rating_value", read_only=True, allow_null=True)
    rating_label = serializers.CharField(read_only=True)
    award_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "org",
            "org_name",
            "year",
            "case_type",
            "case_type_label",
            "title",
            "summary",
            "status",
            "status_label",
            "submitted_on",
            "rating",
            "rating_label",
            "award_count",
        ]
        read_only_fields = ["status", "submitted_on"]


class CaseRatingSerializer(ScopedModelSerializer):
    rated_on = DateField(label="评定日期")
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)
    rated_by_org_name = serializers.CharField(source="rated_by_org.name", read_only=True)

    class Meta:
        model = CaseRating
        fields = [
            "id",
            "case",
            "rating",
            "rating_label",
            "rated_on",
            "note",
            "rated_by_org",
            "rated_by_org_name",
        ]
        read_only_fields = ["rated_by_org"]


class CaseAwardSerializer(ScopedModelSerializer):
    year = YearField(min_year=YEAR_MIN, label="获奖年度")
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)

    class Meta:
        model = CaseAward
        fields = [
            "id",
            "case",
            "case_title",
            "level",
            "level_label",
            "awarding_body",
            "award",
            "year",
            "document_number",
        ]


class CaseFileSerializer(ScopedModelSerializer):
    class Meta:
        model = CaseFile
        fields = ["id", "case", "original_name", "content_type", "size"]
        read_only_fields = fields


class BrandSerializer(ScopedModelSerializer):
    established_year = YearField(min_year=BRAND_YEAR_MIN, label="创建年度")
    org_name = serializers.CharField(source="org.name", read_only=True)
    level = serializers.CharField(read_only=True)
    level_label = serializers.CharField(read_only=True)

    class Meta:
        model = Brand
        fields = [
            "id",
            "org",
            "org_name",
            "name",
            "description",
            "established_year",
            "level",
            "level_label",
            "parent",
        ]
        read_only_fields = ["parent"]
