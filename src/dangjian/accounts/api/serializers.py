"""/api/users/ serializers: no password hash ever leaves; role assignments are read-only."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .. import services
from ..models import RoleAssignment, User
from ..roles import ROLES


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


class UserSerializer(serializers.ModelSerializer):
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
