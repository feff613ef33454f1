"""Honors API serializers: titles by code with their Chinese names beside them."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import DateField, IdField, YearField

from .. import services, titles
from ..models import Honor, HonorLevel, HonorRound, Nomination, RoundQuota


class RoundQuotaSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = RoundQuota
        fields = ["org", "org_name", "title", "quota"]


class HonorRoundSerializer(ScopedModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    title_names = serializers.CharField(read_only=True)
    stage = serializers.CharField(read_only=True)

    class Meta:
        model = HonorRound
        fields = [
            "id",
            "org",
            "org_name",
            "year",
            "title",
            "level",
            "titles",
            "title_names",
            "nomination_starts",
            "nomination_ends",
            "material_asked",
            "publicity_starts",
            "publicity_ends",
            "decided_on",
            "document_number",
            "stage",
        ]
        read_only_fields = fields


class NominationSerializer(ScopedModelSerializer):
    round = IdField(source="round_id")
    org = IdField(source="org_id")
    member = IdField(source="member_id", required=False, allow_null=True)
    recipient_org = IdField(source="recipient_org_id", required=False, allow_null=True)
    title = serializers.ChoiceField(choices=titles.choices())
    title_name = serializers.CharField(read_only=True)
    recipient_name = serializers.CharField(read_only=True)
    material = serializers.CharField(max_length=20000)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "round",
            "org",
            "title",
            "title_name",
            "member",
            "recipient_org",
            "recipient_name",
            "material",
            "status",
            "nominated_on",
            "review_note",
            "reviewed_on",
        ]
        read_only_fields = ["status", "nominated_on", "review_note", "reviewed_on"]


class HonorSerializer(ScopedModelSerializer):
    title = serializers.ChoiceField(choices=titles.choices())
    level = serializers.ChoiceField(choices=HonorLevel.choices)
    member = IdField(source="member_id", required=False, allow_null=True)
    org = IdField(source="org_id", required=False, allow_null=True)
    year = YearField(min_year=services.YEAR_MIN)
    decided_on = DateField()
    title_name = serializers.CharField(read_only=True)
    recipient_name = serializers.CharField(read_only=True)
    nomination = serializers.IntegerField(source="nomination_id", read_only=True)
    recorded_by_org = serializers.IntegerField(source="recorded_by_org_id", read_only=True)

    class Meta:
        model = Honor
        fields = [
            "id",
            "title",
            "title_name",
            "level",
            "member",
            "org",
            "recipient_name",
            "year",
            "issuer",
            "decided_on",
            "document_number",
            "note",
            "recorded_by_org",
            "nomination",
        ]
