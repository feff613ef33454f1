"""督查考评 API serializers. They shape input only: campaigns / services validate it and
write it, with the same Chinese messages as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import (
    BoundedModelSerializer,
    DateField,
    IdField,
    IdRelatedField,
    YearField,
)
from dangjian.orgs.models import OrgKind

from ..models import (
    Assessment,
    Campaign,
    CampaignType,
    Finding,
    Framework,
    FrameworkItem,
    ItemResult,
    LiaisonStage,
    Rectification,
    ResultValue,
    SelectionMode,
)


class FrameworkItemSerializer(serializers.ModelSerializer):
    # null for a top-level item (as the schema says: clients test for null, not "")
    parent_code = serializers.CharField(
        source="parent.code", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = FrameworkItem
        fields = [
            "id",
            "code",
            "parent_code",
            "text",
            "kind",
            "max_score",
            "methods",
            "evidence_hint",
            "category",
            "rule_id",
            "order",
            "depth",
        ]
        read_only_fields = fields


class FrameworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = [
            "id",
            "code",
            "version",
            "name",
            "description",
            "campaign_types",
            "target_kinds",
            "is_example",
            "basis",
            "pass_score",
            "rating_bands",
            "quota_shares",
            "source",
            "is_current",
            "created",
            "updated",
        ]
        read_only_fields = fields


class FrameworkDetailSerializer(FrameworkSerializer):
    items = FrameworkItemSerializer(many=True, read_only=True)

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "items"]
        read_only_fields = fields


class FrameworkImportSerializer(serializers.Serializer):
    text = serializers.CharField(label="模板内容（YAML）", trim_whitespace=False)
    filename = serializers.CharField(label="文件名", max_length=200, default="api.yaml")


class CampaignSerializer(ScopedModelSerializer):
    campaign_type = serializers.ChoiceField(choices=CampaignType.choices, label="督查类型")
    target_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=OrgKind.choices), label="检查对象层级"
    )
    selection = serializers.ChoiceField(
        choices=SelectionMode.choices, default=SelectionMode.ALL, label="选取方式"
    )
    liaison_stage = serializers.ChoiceField(
        choices=LiaisonStage.choices, required=False, allow_blank=True, default="", label="巡察阶段"
    )
    framework = IdRelatedField(queryset=Framework.objects.all(), label="考评模板")
    scope_org_name = serializers.CharField(source="scope_org.name", read_only=True)
    manual_targets = serializers.ListField(
        child=IdField(), required=False, write_only=True, label="指定检查对象编号"
    )
    allow_old_version = serializers.BooleanField(
        required=False, default=False, write_only=True, label="沿用旧版本模板"
    )
    n_targets = serializers.IntegerField(read_only=True)
    n_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "campaign_type",
            "framework",
            "scope_org",
            "scope_org_name",
            "target_kinds",
            "period_start",
            "period_end",
            "selection",
            "sample_size",
            "sample_ratio",
            "seed",
            "manual_targets",
            "allow_old_version",
            "sampling_plan",
            "status",
            "results_released",
            "liaison_stage",
            "description",
            "n_targets",
            "n_done",
            "created",
            "updated",
        ]
        read_only_fields = ["sampling_plan", "results_released", "created", "updated"]


class CampaignUpdateSerializer(BoundedModelSerializer):
    """What `campaigns.update_campaign` accepts; the rest is fixed once targets are drawn."""

    class Meta:
        model = Campaign
        fields = ["name", "description", "period_start", "period_end", "status", "liaison_stage"]


SEED_MAX = 2**31 - 1  # Campaign.seed is a PositiveIntegerField
SIZE_MAX = 100_000  # more than any city has party organizations


class RedrawSerializer(serializers.Serializer):
    seed = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=SEED_MAX, label="随机种子"
    )
    size = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=SIZE_MAX, label="抽样数量"
    )
    ratio = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, allow_null=True, label="抽样比例"
    )
    reason = serializers.CharField(max_length=300, label="重新抽取的理由")


class AddTargetsSerializer(serializers.Serializer):
    targets = serializers.ListField(
        child=IdField(),
        allow_empty=False,
        label="增加的检查对象（党组织 ID）",
        error_messages={"empty": "请选择要增加的检查对象。"},
    )


class ReleaseSerializer(serializers.Serializer):
    released = serializers.BooleanField(default=True, label="是否公开")


class AssessmentSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    target_name = serializers.CharField(source="target.name", read_only=True)
    unit_name = serializers.CharField(
        source="unit_org.name", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "target",
            "target_name",
            "unit_org",
            "unit_name",
            "status",
            "assessor_names",
            "assessed_on",
            "total_score",
            "rating",
            "passed",
            "has_innovation",
            "summary",
            "completed_at",
            "created",
            "updated",
        ]
        read_only_fields = fields


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "条目 id 或条目编号"}
)
class ItemRefField(serializers.Field):
    """An item id (integer) or an item code (string), passed on as sent: "2" is code 2."""

    default_error_messages = {"invalid": "条目应为条目 id（整数）或条目编号（字符串）。"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or data == "":
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class ResultRowSerializer(serializers.Serializer):
    item = ItemRefField(label="条目 id 或编号")
    result = serializers.ChoiceField(
        choices=ResultValue.choices, required=False, allow_blank=True, label="结果"
    )
    score = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, label="得分"
    )
    note = serializers.CharField(required=False, allow_blank=True, label="说明")
    methods = serializers.ListField(child=serializers.CharField(), required=False, label="检查方式")
    from_records = serializers.BooleanField(required=False, label="采用系统记录")


class ResultsSerializer(serializers.Serializer):
    rows = ResultRowSerializer(many=True, label="检查结果", allow_empty=False)


class StatusSerializer(serializers.Serializer):
    status = serializers.CharField(label="状态")


class ItemResultSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    campaign = serializers.IntegerField(source="assessment.campaign_id", read_only=True)

    class Meta:
        model = ItemResult
        fields = [
            "id",
            "assessment",
            "campaign",
            "item",
            "item_code",
            "result",
            "score",
            "note",
            "methods",
            "from_records",
            "updated",
        ]
        read_only_fields = fields


class FindingSerializer(ScopedModelSerializer):
    org = IdField(source="org_id", required=False, allow_null=True, label="存在问题的组织")
    assessment = IdField(source="assessment_id", required=False, allow_null=True, label="检查对象")
    item = IdField(source="item_id", required=False, allow_null=True, label="条目")
    org_name = serializers.CharField(source="org.name", read_only=True)
    standard = serializers.CharField(
        source="item.text",
        read_only=True,
        default=None,
        allow_null=True,
        label="检查标准",
        help_text="问题所对照的条目内容（来自条目，不在问题描述中重复）",
    )
    deadline = DateField(required=False, allow_null=True, write_only=True, label="整改时限")
    rectification = serializers.IntegerField(
        source="rectification.pk", read_only=True, default=None, allow_null=True
    )
    rectification_status = serializers.CharField(
        source="rectification.status", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "org",
            "org_name",
            "raised_by_org",
            "campaign",
            "assessment",
            "item",
            "standard",
            "category",
            "text",
            "severity",
            "found_on",
            "deadline",
            "rectification",
            "rectification_status",
            "created",
        ]
        read_only_fields = ["raised_by_org", "campaign", "created"]
        extra_kwargs = {
            "category": {"required": False, "allow_blank": True},
            "found_on": {"required": False},
        }


class RectificationSerializer(serializers.ModelSerializer):
    finding_text = serializers.CharField(source="finding.text", read_only=True)
    standard = serializers.CharField(
        source="finding.item.text",
        read_only=True,
        default=None,
        allow_null=True,
        label="检查标准",
        help_text="问题所对照的条目内容（单独登记的问题为空）",
    )
    category = serializers.CharField(source="finding.category", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = [
            "id",
            "finding",
            "finding_text",
            "standard",
            "category",
            "org",
            "org_name",
            "deadline",
            "status",
            "measures",
            "evidence_text",
            "submitted_at",
            "verified_at",
            "verify_note",
            "closed_on",
            "files",
        ]
        read_only_fields = fields

    def get_files(self, obj: Rectification) -> list[dict]:
        return [{"id": f.pk, "name": f.original_name, "size": f.size} for f in obj.files.all()]


class SubmitSerializer(serializers.Serializer):
    measures = serializers.CharField(label="整改措施")
    evidence_text = serializers.CharField(
        required=False, allow_blank=True, default="", label="整改情况及佐证"
    )


class VerifySerializer(serializers.Serializer):
    accept = serializers.BooleanField(label="是否销号")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300, label="审核意见"
    )


class NegativeListQuerySerializer(serializers.Serializer):
    year = YearField(required=False, label="年度")
    campaign = IdField(required=False, label="督查活动")
    campaign_type = serializers.ChoiceField(
        choices=CampaignType.choices,
        required=False,
        label="督查类型",
        help_text="只看该类型督查活动的问题，受检组织也只计该类型；不填为全部类型",
    )
    within = IdField(required=False, label="所属组织（含下级）")


class NegativeListRowSerializer(serializers.Serializer):
    category = serializers.CharField(label="问题类别")
    item_code = serializers.CharField(label="条目编号")
    item_text = serializers.CharField(label="条目内容")
    count = serializers.IntegerField(label="问题数")
    orgs = serializers.IntegerField(label="涉及组织数")
    share = serializers.FloatField(label="占已完成检查组织的比例（0–1）")
    examples = serializers.ListField(child=serializers.CharField(), label="典型问题（至多 3 条）")


class NegativeListSerializer(serializers.Serializer):
    """`negative_list.NegativeList`, read-only."""

    title = serializers.CharField(label="标题")
    assessed_orgs = serializers.IntegerField(label="已完成检查的组织数")
    total_findings = serializers.IntegerField(label="问题总数")
    rows = NegativeListRowSerializer(many=True, label="清单")
