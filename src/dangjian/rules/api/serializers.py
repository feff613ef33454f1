"""Serializers of the rules API."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import IdRelatedField
from dangjian.members.models import Member

from ..models import RuleExemption


class CitationSerializer(serializers.Serializer):
    document = serializers.CharField()
    article = serializers.CharField(allow_blank=True)
    quote = serializers.CharField(allow_blank=True)
    verified = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class RuleSerializer(serializers.Serializer):
    """A library rule as the API shows it (read only), with its current switch."""

    id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    applies_to = serializers.ListField(child=serializers.CharField())
    severity = serializers.CharField()
    citation = CitationSerializer()
    params = serializers.DictField()
    effective_from = serializers.DateField(allow_null=True)
    effective_to = serializers.DateField(allow_null=True)
    local = serializers.BooleanField()
    default_enabled = serializers.BooleanField()
    enabled = serializers.BooleanField()
    locked = serializers.BooleanField(help_text="由部署配置固定，页面不能切换")
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source


class ComplianceCellSerializer(serializers.Serializer):
    rule = serializers.CharField()
    org = serializers.IntegerField()
    org_name = serializers.CharField()
    org_kind = serializers.CharField()
    period = serializers.CharField(help_text="2024-03 / 2024-Q1 / 2024")
    start = serializers.DateField()
    end = serializers.DateField()
    status = serializers.ChoiceField(
        choices=["compliant", "noncompliant", "exempt", "not_due", "not_applicable"]
    )
    count = serializers.IntegerField()
    required = serializers.IntegerField()  # type: ignore[assignment]  # not Field.required
    warning = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    due_on = serializers.DateField(
        allow_null=True, help_text="截止日期（不适用的为空）：期末，或每月固定日的规则为当月该日"
    )


class RuleSummarySerializer(serializers.Serializer):
    rule = serializers.CharField()
    compliant = serializers.IntegerField()
    noncompliant = serializers.IntegerField()
    exempt = serializers.IntegerField()
    not_due = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    warnings = serializers.IntegerField()
    applicable = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class RuleExemptionSerializer(ScopedModelSerializer):
    # A plain id input: a <select> in the browsable API would list every member in scope.
    member = IdRelatedField(
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        style={"base_template": "input.html"},
    )
    effective_end = serializers.DateField(read_only=True)

    class Meta:
        model = RuleExemption
        fields = [
            "id",
            "org",
            "member",
            "rule_id",
            "starts_on",
            "ends_on",
            "expires_on",
            "effective_end",
            "reason",
            "approved_by",
            "approval_document",
            "recorded_by",
            "created",
            "updated",
        ]
        read_only_fields = ["recorded_by", "created", "updated"]
        extra_kwargs = {"org": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        # Members the user may view only (the generic scoped field does this for `org`).
        fields["member"].queryset = fields["member"].queryset.restrict(
            request.user if request else None, "view"
        )
        return fields
