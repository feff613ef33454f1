"""The member's own page as JSON (GET /api/me/): the same sections as 我的, read-only."""

from __future__ import annotations

from rest_framework import serializers


class MeMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    joined_on = serializers.DateField()
    full_member_on = serializers.DateField(allow_null=True)
    party_age = serializers.IntegerField(allow_null=True, help_text="党龄（年），预备党员为空")


class MeReminderSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["birthday", "probation"])
    title = serializers.CharField()
    text = serializers.CharField()
    on = serializers.DateField()


class MeNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    planned_on = serializers.DateField()
    starts_at = serializers.TimeField(allow_null=True)
    ends_at = serializers.TimeField(allow_null=True)
    place = serializers.CharField()
    org_name = serializers.CharField(source="org.name")
    read = serializers.SerializerMethodField(help_text="本人是否已阅读该通知（回执）")

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MeYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    attended = serializers.IntegerField()
    leave = serializers.IntegerField()
    absent = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class MeParticipationSerializer(serializers.Serializer):
    activity = serializers.IntegerField(source="activity_id")
    title = serializers.CharField(source="activity.title")
    kind_label = serializers.CharField(source="activity.get_kind_display")
    held_on = serializers.DateField(source="activity.held_on")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    reason = serializers.CharField(help_text="本人的请假或缺席原因")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class MeSerializer(serializers.Serializer):
    member = MeMemberSerializer(allow_null=True, help_text="账号尚未关联党员信息时为空")
    reminders = MeReminderSerializer(many=True)
    upcoming = MeNoticeSerializer(many=True)
    years = MeYearSerializer(many=True)
    recent = MeParticipationSerializer(many=True)
