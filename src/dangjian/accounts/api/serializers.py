"""/api/users/ and /api/role-proposals/ serializers: no password hash ever leaves; role
assignments are read-only here (they come from approved proposals)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from dangjian.core.fields import BoundedModelSerializer
from dangjian.orgs.models import Organization

from .. import services
from ..models import RoleAssignment, RoleProposal, User
from ..roles import ROLE_CHOICES, ROLES


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_label = serializers.SerializerMethodField()
    org_name = serializers.CharField(source="org.name", default=None, read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "role_label", "org", "org_name", "created"]
        read_only_fields = fields

    def get_role_label(self, obj: RoleAssignment) -> str:
        role = ROLES.get(obj.role)
        return role.label if role else obj.role


class UserSerializer(BoundedModelSerializer):
    role_assignments = RoleAssignmentSerializer(many=True, read_only=True)
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text="初始密码（仅新增时填写；用户首次登录须修改）。",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "is_active",
            "expires_on",
            "must_change_password",
            "password_changed_at",
            "last_login",
            "date_joined",
            "role_assignments",
            "password",
        ]
        read_only_fields = [
            "must_change_password",
            "password_changed_at",
            "last_login",
            "date_joined",
        ]

    def validate(self, attrs):
        password = attrs.get("password")
        if self.instance is not None:
            if password is not None:
                raise serializers.ValidationError(
                    {"password": "不能在此修改密码，请使用“修改密码”功能。"}
                )
            if "username" in attrs and attrs["username"] != self.instance.username:
                raise serializers.ValidationError({"username": "用户名创建后不能修改。"})
            return attrs
        if not password:
            raise serializers.ValidationError({"password": "请填写初始密码。"})
        candidate = User(
            username=attrs.get("username", ""), display_name=attrs.get("display_name", "")
        )
        try:
            password_validation.validate_password(password, candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs

    def _actor(self):
        return self.context["request"].user

    def create(self, validated_data):
        try:
            return services.create_user(
                self._actor(),
                username=validated_data["username"],
                password=validated_data["password"],
                display_name=validated_data.get("display_name", ""),
                email=validated_data.get("email", ""),
                expires_on=validated_data.get("expires_on"),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc

    def update(self, instance, validated_data):
        changes = {k: v for k, v in validated_data.items() if k in services.EDITABLE_FIELDS}
        try:
            return services.update_user(self._actor(), instance, **changes)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    )


# Ids are range-checked here (never a 500 on 10**20) and looked up in `validate`.
MAX_ID = 2**63 - 1


class RoleProposalSerializer(serializers.ModelSerializer):
    """A role grant proposed by a 系统管理员; in force only once a 安全管理员 approves it."""

    user = serializers.IntegerField(
        source="user_id", min_value=1, max_value=MAX_ID, help_text="被授权用户的 ID"
    )
    org = serializers.IntegerField(
        source="org_id",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="所辖党组织 ID（系统/安全/审计管理员不填）",
    )
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    role_label = serializers.CharField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    org_name = serializers.CharField(source="org.name", default=None, read_only=True)
    proposed_by = serializers.CharField(source="proposed_by.username", default=None, read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = RoleProposal
        fields = [
            "id",
            "user",
            "username",
            "role",
            "role_label",
            "org",
            "org_name",
            "note",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["status", "proposed_at", "decided_at", "decision_note"]

    def validate(self, attrs):
        user = User.objects.filter(pk=attrs.pop("user_id")).first()
        if user is None:
            raise serializers.ValidationError({"user": "找不到该用户，请检查用户 ID。"})
        org_id = attrs.pop("org_id", None)
        org = None
        if org_id is not None:
            org = Organization.objects.filter(pk=org_id).first()
            if org is None:
                raise serializers.ValidationError({"org": "找不到该党组织，请检查组织 ID。"})
        return {**attrs, "user": user, "org": org}

    def create(self, validated_data):
        try:
            return services.propose_role(
                self.context["request"].user,
                validated_data["user"],
                validated_data["role"],
                validated_data["org"],
                note=validated_data.get("note", ""),
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
