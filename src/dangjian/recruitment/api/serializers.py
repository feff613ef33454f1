"""Recruitment API serializers. The ID number, phone and 政审 conclusion are accepted on
write and only ever output masked (the plaintext through the audited reveal action); the
birth date is given in full only where the user holds the reveal right (decisions/0008)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.crypto import mask_id_number, mask_phone
from dangjian.core.fields import DateField, IdField
from dangjian.members.api.serializers import MaskedField, MemberUnitField

from .. import services, timerules
from ..models import (
    Applicant,
    ApplicationFormNumber,
    ApplicationFormPool,
    PartyProbation,
    RecruitmentStep,
    StepAttachment,
)


def _mask_review(value: str) -> str:
    return "已填写（需查看权限）" if value else ""


class ApplicantSerializer(ScopedModelSerializer):
    unit = MemberUnitField(required=False, allow_null=True, label="工作单位")
    id_number = MaskedField(mask_id_number, max_length=18, label="身份证号")
    phone = MaskedField(mask_phone, max_length=11, label="手机号码")
    political_review = MaskedField(_mask_review, max_length=2000, label="政治审查结论")
    birth_date = DateField(required=False, allow_null=True, label="出生日期")
    applied_on = DateField(label="递交入党申请书日期")
    birth_year = serializers.SerializerMethodField(label="出生年份")
    org_name = serializers.CharField(source="org.name", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    last_step_label = serializers.CharField(source="get_last_step_display", read_only=True)

    class Meta:
        model = Applicant
        fields = [
            "id",
            "org",
            "org_name",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "birth_year",
            "id_number",
            "phone",
            "education",
            "unit",
            "job_title",
            "applied_on",
            "stage",
            "stage_label",
            "last_step",
            "last_step_label",
            "last_step_on",
            "closed_on",
            "closed_reason",
            "member",
            "application_form_number",
            "political_review",
            "created",
            "updated",
        ]
        read_only_fields = [
            "stage",
            "last_step",
            "last_step_on",
            "closed_on",
            "closed_reason",
            "member",
            "application_form_number",
            "created",
            "updated",
        ]
        extra_kwargs = {"gender": {"required": False}}

    def get_birth_year(self, obj: Applicant) -> int | None:
        return obj.birth_date.year if obj.birth_date else None

    def to_representation(self, instance: Applicant) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not services.can_reveal(request.user if request else None, instance):
            data["birth_date"] = None
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # An echoed mask means "keep it" (the client only ever saw the mask).
        if self.instance is not None:
            for name, masker in (
                ("id_number", mask_id_number),
                ("phone", mask_phone),
                ("political_review", _mask_review),
            ):
                stored = getattr(self.instance, name)
                if name in attrs and stored and attrs[name] == masker(stored):
                    del attrs[name]
        for name in ("id_number", "phone"):
            if name in attrs:
                attrs[name] = attrs[name].strip().upper()
        return attrs


class StepPersonSerializer(serializers.Serializer):
    role = serializers.CharField()
    member = serializers.IntegerField(source="member_id", allow_null=True)
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.name or (obj.member.name if obj.member_id else "")


class StepSerializer(ScopedModelSerializer):
    step_label = serializers.CharField(source="get_step_display", read_only=True)
    people = StepPersonSerializer(many=True, read_only=True)

    class Meta:
        model = RecruitmentStep
        fields = [
            "id",
            "applicant",
            "step",
            "step_label",
            "done_on",
            "note",
            "people",
            "training_days",
            "training_hours",
            "expected",
            "present",
            "votes_yes",
            "votes_no",
            "votes_abstain",
            "exception_rules",
            "exception_reason",
            "exception_approved_by",
            "created",
        ]
        read_only_fields = fields


def _ids(label: str) -> serializers.ListField:
    return serializers.ListField(child=IdField(), required=False, max_length=10, label=label)


def _count(label: str, hi: int = 9999) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=hi, label=label
    )


class RecordStepSerializer(serializers.Serializer):
    """One step to record (services.record_step decides, citing the rule it breaks)."""

    step = serializers.IntegerField(min_value=2, max_value=25, label="步骤（2–25）")
    done_on = DateField(label="日期")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    talkers = _ids("谈话人（党员）")
    talker_names = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, max_length=5, label="谈话人姓名"
    )
    contacts = _ids("培养联系人")
    introducers = _ids("入党介绍人")
    training_days = _count("培训天数", 999)
    training_hours = _count("培训学时", 999)
    expected = _count("应到人数")
    present = _count("实到人数")
    votes_yes = _count("赞成")
    votes_no = _count("反对")
    votes_abstain = _count("弃权")
    political_review = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, label="政治审查结论"
    )
    exception_rules = serializers.ListField(
        child=serializers.ChoiceField(choices=timerules.exceptable_ids()),
        required=False,
        max_length=10,
        label="例外的规则",
    )
    exception_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    exception_approved_by = serializers.CharField(required=False, allow_blank=True, max_length=64)


class CloseSerializer(serializers.Serializer):
    closed_on = DateField(label="终止日期")
    reason = serializers.CharField(max_length=200, label="终止原因")


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=list(Applicant.revealable_fields))


class IssueNumberSerializer(serializers.Serializer):
    pool = IdField(label="编号段")
    issued_on = DateField(required=False, label="发放日期")
    number = serializers.IntegerField(
        required=False, min_value=1, max_value=10**9, label="指定编号（志愿书上印好的）"
    )


class ExtendSerializer(serializers.Serializer):
    # Bounded only against overflow: the service answers 6–12 with its citation.
    months = serializers.IntegerField(min_value=0, max_value=1200, label="延长月数")
    decided_on = DateField(label="支部大会决定日期")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class StepAttachmentSerializer(ScopedModelSerializer):
    class Meta:
        model = StepAttachment
        fields = ["id", "step", "original_name", "content_type", "size", "created"]
        read_only_fields = fields


class PoolSerializer(ScopedModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    first = serializers.IntegerField(min_value=1, max_value=10**9)
    last = serializers.IntegerField(min_value=1, max_value=10**9)

    class Meta:
        model = ApplicationFormPool
        fields = ["id", "org", "org_name", "year", "prefix", "first", "last", "created"]
        read_only_fields = ["created"]


class FormNumberSerializer(ScopedModelSerializer):
    class Meta:
        model = ApplicationFormNumber
        fields = [
            "id",
            "pool",
            "number",
            "code",
            "applicant",
            "issued_on",
            "voided_on",
            "void_reason",
        ]
        read_only_fields = fields


class VoidSerializer(serializers.Serializer):
    voided_on = DateField(label="作废日期")
    reason = serializers.CharField(max_length=200, label="作废原因")


class PartyProbationSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = PartyProbation
        fields = [
            "id",
            "member",
            "member_name",
            "decided_on",
            "months",
            "restored_on",
            "decided_by",
            "note",
            "created",
        ]
        read_only_fields = ["created"]
        extra_kwargs = {"member": {"style": {"base_template": "input.html"}}}
