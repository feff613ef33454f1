"""Member API serializers: ID number and phone are accepted on write, only ever output masked."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.crypto import mask_id_number, mask_phone
from dangjian.core.fields import DateField, IdRelatedField

from .. import identifiers
from ..models import Exemption, Exit, Member, Transfer
from ..services import member_units

# Render member foreign keys as a plain id input in the browsable API: a <select> would
# load (and decrypt) every member in scope.
_ID_INPUT = {"base_template": "input.html"}


class MaskedField(serializers.CharField):
    """Plaintext in, masked out: the response never carries the stored value."""

    def __init__(self, masker, **kwargs: Any) -> None:
        self.masker = masker
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return self.masker(value)


def _copy(instance: models.Model | None, model: type[models.Model]) -> Any:
    """An unsaved copy to validate proposed changes on, leaving the loaded instance untouched."""
    if instance is None:
        return model()
    values = {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}
    return model(**values)


def _full_clean(candidate: models.Model, exclude: list[str]) -> None:
    try:
        candidate.full_clean(exclude=exclude, validate_unique=False)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc


class MemberUnitField(IdRelatedField):
    """工作单位: a unit the user may view or one of the orgs they manage members in belongs to."""

    def get_queryset(self):
        request = self.context.get("request")
        parent = self.parent
        action = "change" if getattr(parent, "instance", None) is not None else "add"
        return member_units(request.user if request else None, action)


class MemberSerializer(ScopedModelSerializer):
    """ID number and phone are write-only in effect (masked out); the birth date is given in
    full only where the user holds the reveal right over the member, else null beside
    `birth_year` (decisions/0008). Validation is the write services' (members.services):
    what may be compared with stored values depends on the user."""

    unit = MemberUnitField(required=False, allow_null=True, label="工作单位")
    id_number = MaskedField(mask_id_number, max_length=18, label="身份证号")
    phone = MaskedField(mask_phone, max_length=11, label="手机号码")
    birth_year = serializers.IntegerField(read_only=True, allow_null=True, label="出生年份")
    probation_ends_on = serializers.DateField(read_only=True, allow_null=True, label="预备期满日期")
    org_name = serializers.CharField(source="org.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    # 组织关系转入 from outside the system, on creation only (members.services.receive_member).
    arrived_from = serializers.CharField(
        write_only=True, required=False, max_length=128, label="系统外转出组织"
    )
    arrived_on = DateField(write_only=True, required=False, label="转入日期")

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "name_initials",
            "gender",
            "ethnicity",
            "birth_date",
            "birth_year",
            "id_number",
            "phone",
            "education",
            "org",
            "org_name",
            "unit",
            "unit_name",
            "job_title",
            "category",
            "status",
            "joined_on",
            "full_member_on",
            "probation_ends_on",
            "probation_extension_months",
            "probation_extended_on",
            "membership",
            "is_mobile",
            "arrived_from",
            "arrived_on",
            "created",
            "updated",
        ]
        read_only_fields = [
            "name_initials",
            "probation_extension_months",
            "probation_extended_on",
            "created",
            "updated",
        ]
        # Gender may be omitted when the ID number is given: it is read from the ID.
        extra_kwargs = {"gender": {"required": False}}

    def to_representation(self, instance: Member) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not identifiers.can_reveal(request.user if request else None, instance):
            data["birth_date"] = None
        return data

    def validate_id_number(self, value: str) -> str:
        return value.strip().upper()

    def validate_phone(self, value: str) -> str:
        return value.strip()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and ("arrived_from" in attrs or "arrived_on" in attrs):
            raise serializers.ValidationError(
                {"arrived_from": ["转入信息只能在新增党员时填写；系统内转接请使用组织关系转接。"]}
            )
        # A client echoing back the masked value it was given means "keep it": drop it, so
        # the services see only what the client really wrote.
        if self.instance is not None:
            for name, masker in (("id_number", mask_id_number), ("phone", mask_phone)):
                stored = getattr(self.instance, name)
                if name in attrs and stored and attrs[name] == masker(stored):
                    del attrs[name]
        return attrs


class ExtendProbationSerializer(serializers.Serializer):
    # Bounded only against overflow: the service refuses what is not 6–12 with the citation.
    months = serializers.IntegerField(
        label="延长月数", help_text="6 至 12", min_value=0, max_value=1200
    )
    decided_on = DateField(label="支部大会决定日期")
    reason = serializers.CharField(label="原因", max_length=200, required=False, allow_blank=True)


class ExemptionSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Exemption
        fields = [
            "id",
            "member",
            "member_name",
            "reason",
            "starts_on",
            "ends_on",
            "note",
            "approved_by",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        extra_kwargs = {"member": {"style": _ID_INPUT}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = _copy(self.instance, Exemption)
        for name, value in attrs.items():
            setattr(candidate, name, value)
        _full_clean(candidate, exclude=["member"])
        return attrs


class TransferSerializer(ScopedModelSerializer):
    """Creating a transfer moves the member (members.services.transfer_member)."""

    member_name = serializers.CharField(source="member.name", read_only=True)
    from_org_name = serializers.CharField(source="from_org.name", read_only=True, default="")
    to_org_name = serializers.CharField(source="to_org.name", read_only=True, default="")

    class Meta:
        model = Transfer
        fields = [
            "id",
            "member",
            "member_name",
            "from_org",
            "from_org_name",
            "to_org",
            "to_org_name",
            "external_org_name",
            "transferred_on",
            "letter_number",
            "dues_paid_until",
            "created",
        ]
        read_only_fields = ["from_org", "created"]
        extra_kwargs = {"member": {"style": _ID_INPUT}}


class ExitSerializer(ScopedModelSerializer):
    """Creating an exit records it through members.services.record_exit (never edited)."""

    member_name = serializers.CharField(source="member.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    approved_by_org_name = serializers.CharField(
        source="approved_by_org.name", read_only=True, default=""
    )

    class Meta:
        model = Exit
        fields = [
            "id",
            "member",
            "member_name",
            "kind",
            "kind_label",
            "left_on",
            "reason",
            "approved_by_org",
            "approved_by_org_name",
            "approved_by_name",
            "document_number",
            "created",
        ]
        read_only_fields = ["created"]
        extra_kwargs = {"member": {"style": _ID_INPUT}}
