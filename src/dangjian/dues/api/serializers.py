"""Dues API serializers: the pay base is write-only and shown masked (decisions/0008)."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import DateField, IdField

from .. import services
from ..models import DuesBase, DuesDue, DuesPayment, DuesReduction, DuesRemittance


class DuesBaseSerializer(ScopedModelSerializer):
    member = IdField(source="member_id")
    base = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        max_value=services.MAX_BASE,
        write_only=True,
        required=False,
        allow_null=True,
    )
    fixed_amount = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=1000, required=False, allow_null=True
    )
    masked_base = serializers.CharField(read_only=True)
    monthly_amount = serializers.SerializerMethodField()
    bracket = serializers.SerializerMethodField()
    citation = serializers.SerializerMethodField()

    class Meta:
        model = DuesBase
        fields = [
            "id",
            "member",
            "year",
            "from_month",
            "category",
            "base",
            "masked_base",
            "fixed_amount",
            "reviewed_on",
            "note",
            "monthly_amount",
            "bracket",
            "citation",
        ]
        extra_kwargs = {
            "year": {"min_value": 2008, "max_value": 2100},
            "from_month": {"min_value": 1, "max_value": 12},
        }

    def _result(self, obj):
        key = f"_result_{obj.pk}"
        if key not in self.context:
            self.context[key] = services.base_amount(obj, obj.member.org.path)
        return self.context[key]

    def get_monthly_amount(self, obj) -> str | None:
        result = self._result(obj)
        return None if result is None else f"{result.amount}"

    def get_bracket(self, obj) -> str:
        result = self._result(obj)
        return "" if result is None else result.bracket

    def get_citation(self, obj) -> str:
        result = self._result(obj)
        return "" if result is None else result.citation


class DuesPaymentSerializer(ScopedModelSerializer):
    member = IdField(source="member_id")
    paid_on = DateField()
    from_month = DateField()
    to_month = DateField()
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, max_value=services.MAX_PAYMENT
    )

    class Meta:
        model = DuesPayment
        fields = [
            "id",
            "member",
            "org",
            "paid_on",
            "from_month",
            "to_month",
            "amount",
            "due_total",
            "extra",
            "method",
            "payer_name",
            "back_payment",
            "decision_ref",
            "central",
            "note",
        ]
        read_only_fields = ["org", "due_total", "extra", "back_payment", "central"]


class DuesDueSerializer(ScopedModelSerializer):
    class Meta:
        model = DuesDue
        fields = [
            "id",
            "member",
            "org",
            "month",
            "amount",
            "category",
            "bracket",
            "table_id",
            "reduction",
            "payment",
            "reason",
        ]
        read_only_fields = fields


class DuesReductionSerializer(ScopedModelSerializer):
    member = IdField(source="member_id")
    starts = DateField()
    ends = DateField()
    branch_reviewed_on = DateField()
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        max_value=services.MAX_PAYMENT,
        required=False,
        allow_null=True,
    )

    class Meta:
        model = DuesReduction
        fields = [
            "id",
            "member",
            "kind",
            "starts",
            "ends",
            "amount",
            "reason",
            "branch_reviewed_on",
            "approved_on",
            "approval_ref",
        ]
        read_only_fields = ["approved_on", "approval_ref"]


class ApproveSerializer(serializers.Serializer):
    approved_on = DateField()
    approval_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)


class DuesRemittanceSerializer(ScopedModelSerializer):
    from_org = IdField(source="from_org_id")
    from_month = DateField()
    to_month = DateField()
    remitted_on = DateField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=10**10
    )

    class Meta:
        model = DuesRemittance
        fields = [
            "id",
            "from_org",
            "to_org",
            "from_month",
            "to_month",
            "amount",
            "remitted_on",
            "received_on",
            "reference",
        ]
        read_only_fields = ["to_org", "received_on"]


class ConfirmSerializer(serializers.Serializer):
    received_on = DateField()
