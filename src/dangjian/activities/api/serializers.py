"""Activity API serializers: nested agenda and attendance summary out; one request in.

Writes are validated by `services.record_activity` (the same rules and Chinese messages as
the record form); the serializer only shapes the input. Member references are plain ids:
a related field would load (and decrypt) members one by one.
"""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import ChoiceLabelField, IdField

from ..models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    AgendaItem,
    Attachment,
    Participation,
    ParticipationStatus,
)
from ..privacy import shown_reason


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["order", "title", "is_first_topic"]
        read_only_fields = ["order"]


class ParticipationInputSerializer(serializers.Serializer):
    member = IdField(label="党员编号")
    status = serializers.ChoiceField(
        choices=ParticipationStatus.choices, default=ParticipationStatus.ATTENDED, label="参加情况"
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, label="原因")
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, label="学时"
    )


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "url"]

    def get_url(self, obj: Attachment) -> str:
        return obj.get_absolute_url()


class ParticipationSummarySerializer(serializers.Serializer):
    attended = serializers.IntegerField(source="n_attended")
    leave = serializers.IntegerField(source="n_leave")
    absent = serializers.IntegerField(source="n_absent")
    exempt = serializers.IntegerField(source="n_exempt")
    rate = serializers.FloatField(source="attendance_rate", allow_null=True)


class ActivitySerializer(ScopedModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind = serializers.ChoiceField(choices=ActivityKind.choices, label="活动类型")
    kind_label = ChoiceLabelField("kind")
    host = IdField(source="host_id", required=False, allow_null=True, label="主持人")
    host_name = serializers.CharField(read_only=True, allow_null=True, default=None)
    recorder = IdField(source="recorder_id", required=False, allow_null=True, label="记录人")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=48),
        required=False,
        write_only=True,
        label="标签代码",
    )
    observers = serializers.ListField(
        child=IdField(),
        required=False,
        write_only=True,
        label="列席旁听用户编号",
    )
    agenda_items = AgendaItemSerializer(many=True, required=False, label="议题")
    participations = ParticipationInputSerializer(
        many=True, required=False, write_only=True, label="参加情况"
    )
    participation_summary = ParticipationSummarySerializer(source="*", read_only=True)
    status = serializers.ChoiceField(
        choices=ActivityStatus.choices,
        read_only=True,
        label="状态",
        help_text="scheduled：会议通知（尚未召开，不计入任何统计）；held：已召开",
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "org",
            "org_name",
            "kind",
            "kind_label",
            "training_type",
            "service_type",
            "title",
            "status",
            "planned_on",
            "held_on",
            "starts_at",
            "ends_at",
            "place",
            "host",
            "host_name",
            "recorder",
            "minutes",
            "tags",
            "observers",
            "external_observers",
            "agenda_items",
            "participations",
            "participation_summary",
            "quorum_met",
            "review_status",
            "attachments",
            "created",
            "updated",
        ]
        read_only_fields = ["quorum_met", "created", "updated"]

    def to_representation(self, instance: Activity):
        # tags and observers are write-only lists of codes / ids; read back the same shape.
        data = super().to_representation(instance)
        data["tags"] = [t.code for t in instance.tags.all()]
        data["observers"] = [u.pk for u in instance.observers.all()]
        return data

    def validate(self, attrs):
        if self.instance is not None and "org" in attrs and attrs["org"] != self.instance.org:
            raise serializers.ValidationError(
                {"org": ["活动登记后不能更换党组织；请删除后重新登记。"]}
            )
        return attrs


class ParticipationSerializer(ScopedModelSerializer):
    """`reason` is shown to those who manage the activity's org and to the member it is
    about; to anyone else it is empty (activities.privacy)."""

    member_name = serializers.CharField(source="member.name", read_only=True)
    activity_title = serializers.CharField(source="activity.title", read_only=True)
    activity_kind = serializers.CharField(source="activity.kind", read_only=True)
    held_on = serializers.DateField(source="activity.held_on", read_only=True)
    org = serializers.IntegerField(source="activity.org_id", read_only=True)

    class Meta:
        model = Participation
        fields = [
            "id",
            "activity",
            "activity_title",
            "activity_kind",
            "held_on",
            "org",
            "member",
            "member_name",
            "status",
            "reason",
            "hours",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Participation):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        data["reason"] = shown_reason(user, instance, instance.activity.org.path)
        return data
