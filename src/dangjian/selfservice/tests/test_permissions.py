"""The generic scoped checks for member accounts (core/testing/permissions.py)."""

from __future__ import annotations

from dangjian.core.testing.permissions import PermissionTestMixin
from dangjian.members.tests.factories import MemberFactory
from dangjian.selfservice.models import MemberAccount


class TestMemberAccountPermissions(PermissionTestMixin):
    model = MemberAccount
    list_url = "selfservice:account_list"
    detail_url = "selfservice:account_detail"
    other_write_urls = ("selfservice:account_reset",)
    view_role = "branch_secretary"  # holds selfservice.view_memberaccount (viewer does not)
    write_role = "unit_admin"
    denied_role = "viewer"  # sees members, not their accounts

    def make_object(self, org):
        return MemberAccount.objects.get(pk=MemberFactory(org=org).pk)
