"""The generic permission checks (core.testing.PermissionTestMixin) for every member model."""

from __future__ import annotations

import datetime as dt

from dangjian.core.testing.permissions import ApiWritePermissionTestMixin
from dangjian.members.models import Exemption, Exit, Member, Transfer
from dangjian.orgs.models import OrgKind

from .factories import (
    ExemptionFactory,
    ExitFactory,
    MemberFactory,
    TransferFactory,
    make_id_number,
)


class TestMemberPermissions(ApiWritePermissionTestMixin):
    model = Member
    list_url = "members:member_list"
    detail_url = "members:member_detail"
    edit_url = "members:member_edit"
    delete_url = "members:member_delete"
    other_write_urls = (
        "members:member_reveal",
        "members:member_transfer",
        "members:probation_extend",
        "members:exit_add",
    )
    api_list = "/api/members/"

    def make_object(self, org):
        return MemberFactory(org=org)

    def api_payload(self, org):
        return {
            "name": "王芳",
            "id_number": make_id_number(dt.date(1985, 5, 6), male=False),
            "org": org.pk,
            "joined_on": "2010-07-01",
            "full_member_on": "2011-07-01",
        }


class TestExemptionPermissions(ApiWritePermissionTestMixin):
    model = Exemption
    api_list = "/api/exemptions/"

    def make_object(self, org):
        return ExemptionFactory(member=MemberFactory(org=org))

    def api_payload(self, org):
        member = MemberFactory(org=org)
        return {
            "member": member.pk,
            "reason": "long_absence",
            "starts_on": "2024-02-01",
            "ends_on": "2024-12-31",
        }


class TestTransferPermissions(ApiWritePermissionTestMixin):
    model = Transfer
    list_url = "members:transfer_list"
    api_list = "/api/transfers/"

    def list_marker(self, obj):
        return f'href="{obj.member.get_absolute_url()}"'

    def make_object(self, org):
        return TransferFactory(member=MemberFactory(org=org))

    def api_payload(self, org):
        member = MemberFactory(org=org)
        sibling = org.get_parent().add_child(kind=OrgKind.BRANCH, name=f"{org.name}（新）")
        return {
            "member": member.pk,
            "to_org": sibling.pk,
            "transferred_on": "2024-05-01",
            "letter_number": "A-001",
        }


class TestExitPermissions(ApiWritePermissionTestMixin):
    model = Exit
    list_url = "members:exit_list"
    api_list = "/api/exits/"

    def make_object(self, org):
        return ExitFactory(member=MemberFactory(org=org, membership="deceased"))

    def list_marker(self, obj):
        return f'href="{obj.member.get_absolute_url()}"'

    def api_payload(self, org):
        member = MemberFactory(org=org)
        return {
            "member": member.pk,
            "kind": "withdrawn",
            "left_on": "2024-05-01",
            "reason": "本人申请退党",
        }
