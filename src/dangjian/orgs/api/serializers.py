"""Org API serializers. Writes are validated here for types and scope, then go through services."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer, ScopedRelatedField
from dangjian.core.fields import ChoiceLabelField, DateField

from ..models import CommitteePost, Organization, Term, Unit


class OrganizationSerializer(ScopedModelSerializer):
    # Write-only: MP_Node has no parent column; the output adds the parent id (see to_representation).
    parent = ScopedRelatedField(  # type: ignore[assignment]
        queryset=Organization.objects.all(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="上级组织 id",
    )
    kind_label = ChoiceLabelField("kind")
    unit_form_label = ChoiceLabelField("unit_form")
    status_label = ChoiceLabelField("status")
    term_status = serializers.SerializerMethodField(help_text="换届状态（列表中按当前届次计算）")
    member_count = serializers.SerializerMethodField(
        help_text="本组织及下级在册党员数（?member_count=1 时返回）"
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "unit_form",
            "unit_form_label",
            "parent",
            "path",
            "depth",
            "unit",
            "established_on",
            "code",
            "status",
            "status_label",
            "dissolved_on",
            "term_status",
            "member_count",
        ]
        read_only_fields = ["path", "depth", "status", "dissolved_on"]

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("member_count"):
            fields.pop("member_count")
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # `parent_ref` is annotated for lists; a single object looks its parent up once.
        if hasattr(instance, "parent_ref"):
            data["parent"] = instance.parent_ref
        else:
            parent = instance.get_parent() if instance.pk and not instance.is_root() else None
            data["parent"] = parent.pk if parent else None
        return data

    def get_term_status(self, obj) -> str | None:
        status = getattr(obj, "term_status", None)
        if status is None and obj.pk:
            current = obj.current_term()
            if not obj.has_terms:
                return "not_applicable"
            return current.status() if current else "no_data"
        return status

    def get_member_count(self, obj) -> int | None:
        return getattr(obj, "member_total", None)

    def validate(self, attrs):
        if self.instance is None and attrs.get("parent") is None:
            raise serializers.ValidationError({"parent": ["请指定上级组织。"]})
        return attrs


class UnitSerializer(ScopedModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "party_org", "sort_order"]

    def validate(self, attrs):
        party_org = attrs.get("party_org", getattr(self.instance, "party_org", None))
        if party_org is None:
            raise serializers.ValidationError({"party_org": ["请指定单位党组织（机关党组织）。"]})
        Unit(party_org=party_org).clean()
        return attrs


class TermSerializer(ScopedModelSerializer):
    status = serializers.SerializerMethodField(
        help_text="normal / due_6m / due_3m / overdue / ended"
    )
    status_label = serializers.SerializerMethodField()
    due_on = serializers.DateField(read_only=True, help_text="应换届日期（批准延期时为延期至）")

    class Meta:
        model = Term
        fields = [
            "id",
            "org",
            "number",
            "started_on",
            "planned_end_on",
            "due_on",
            "ended_on",
            "extension_approved",
            "extended_to",
            "approval_document",
            "note",
            "status",
            "status_label",
        ]
        read_only_fields = ["planned_end_on"]
        # The one-open-term rule is applied by services.start_term (it ends the current term first).
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # an existing term stays with its org
            fields["org"].read_only = True
        return fields

    def get_status(self, obj) -> str:
        return obj.status()

    def get_status_label(self, obj) -> str:
        return obj.status_label()


class CommitteePostSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    post_label = serializers.CharField(source="get_post_display", read_only=True)
    org = serializers.IntegerField(source="term.org_id", read_only=True)

    class Meta:
        model = CommitteePost
        fields = [
            "id",
            "term",
            "org",
            "member",
            "member_name",
            "post",
            "post_label",
            "assigned_on",
            "dismissed_on",
        ]
        read_only_fields = ["dismissed_on"]
        validators: list = []


class DismissSerializer(serializers.Serializer):
    dismissed_on = DateField(required=False, help_text="免职日期，默认今天")


class DissolveSerializer(serializers.Serializer):
    dissolved_on = DateField(required=False, help_text="撤销日期，默认今天")
