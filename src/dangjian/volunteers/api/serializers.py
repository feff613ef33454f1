"""API serializers: foreign keys accept only rows the user may view; writes go through
the app's services (the views call them)."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import IdRelatedField, YearField
from dangjian.members.models import Member

from ..models import Community, CommunityFeedback, CommunityRegistration, TaskForce, TaskForceMember


class CommunitySerializer(ScopedModelSerializer):
    class Meta:
        model = Community
        fields = [
            "id", "org", "name", "district", "street", "address", "contact", "phone", "note",
            "created", "updated",
        ]  # fmt: skip


class RegistrationSerializer(ScopedModelSerializer):
    # A plain id input: a <select> in the browsable API would list every member in scope.
    member = IdRelatedField(
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        style={"base_template": "input.html"},
    )
    member_name = serializers.CharField(source="member.name", read_only=True, default=None)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = CommunityRegistration
        fields = [
            "id", "org", "member", "member_name", "community", "community_name", "starts_on",
            "ends_on", "note", "created", "updated",
        ]  # fmt: skip
        extra_kwargs = {"org": {"required": False}}


class FeedbackSerializer(ScopedModelSerializer):
    member = IdRelatedField(
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        style={"base_template": "input.html"},
    )
    year = YearField()

    class Meta:
        model = CommunityFeedback
        fields = [
            "id", "community", "org", "member", "year", "rating", "text", "given_on",
            "recorded_by", "created", "updated",
        ]  # fmt: skip
        read_only_fields = ["recorded_by"]


class TaskForceMemberSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    # Read-only here (members join on the task force's page): a plain code, so the schema
    # has no second enum named after "role" beside the accounts' one.
    role = serializers.CharField(
        read_only=True, help_text="leader 队长 / deputy 副队长 / member 队员"
    )

    class Meta:
        model = TaskForceMember
        fields = ["id", "member", "member_name", "role", "joined_on", "left_on"]


class TaskForceSerializer(ScopedModelSerializer):
    members = TaskForceMemberSerializer(many=True, read_only=True)

    class Meta:
        model = TaskForce
        fields = [
            "id", "org", "kind", "name", "project", "starts_on", "ends_on", "description",
            "members", "created", "updated",
        ]  # fmt: skip
