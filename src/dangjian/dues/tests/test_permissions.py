"""The generic permission checks for every dues model, page and endpoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin
from dangjian.dues.models import DuesBase, DuesDue, DuesPayment, DuesReduction, DuesRemittance
from dangjian.members.tests.factories import MemberFactory

JAN = dt.date(2024, 1, 1)


def make_member(org):
    return MemberFactory(org=org, joined_on=dt.date(2010, 1, 1))


def make_base(org, **kw):
    fields = {"year": 2024, "from_month": 1, "category": "in_service", "base": Decimal("4000")}
    return DuesBase.objects.create(member=kw.pop("member", None) or make_member(org), **fields | kw)


def make_payment(org):
    member = make_member(org)
    payment = DuesPayment.objects.create(
        member=member,
        org=org,
        paid_on=dt.date(2024, 1, 9),
        from_month=JAN,
        to_month=JAN,
        amount=Decimal("40"),
        due_total=Decimal("40"),
        method="cash",
    )
    DuesDue.objects.create(
        member=member,
        org=org,
        month=JAN,
        amount=Decimal("40"),
        category="in_service",
        table_id="national.2008",
        payment=payment,
    )
    return payment


# Who reads a member's dues also reveals the base (decisions/0015): the unit admin, not the
# read-only role, is the reading role here.
READER = "unit_admin"


class TestDuesBasePermissions(ApiWritePermissionTestMixin):
    model = DuesBase
    view_role = READER
    list_url = "dues:base_list"
    detail_url = "dues:base_detail"
    edit_url = "dues:base_edit"
    other_write_urls = ("dues:base_reveal",)
    api_list = "/api/dues-bases/"
    write_role = "branch_secretary"

    def make_object(self, org):
        return make_base(org)

    def api_payload(self, org):
        return {
            "member": make_member(org).pk,
            "year": 2024,
            "from_month": 1,
            "category": "in_service",
            "base": "4500",
        }


class TestDuesPaymentPermissions(ApiWritePermissionTestMixin):
    model = DuesPayment
    view_role = READER
    list_url = "dues:payment_list"
    detail_url = "dues:payment_detail"
    delete_url = "dues:payment_delete"
    api_list = "/api/dues-payments/"
    write_role = "branch_secretary"

    def make_object(self, org):
        return make_payment(org)

    def api_payload(self, org):
        member = make_member(org)
        make_base(org, member=member)
        return {
            "member": member.pk,
            "paid_on": "2024-03-20",
            "from_month": "2024-01-01",
            "to_month": "2024-03-01",
            "amount": "120.00",
            "method": "transfer",
        }


class TestDuesDuePermissions(PermissionTestMixin):
    """Shown on the ledger and the arrears list (no page of its own)."""

    model = DuesDue
    view_role = READER
    list_url = "dues:arrears"
    api_list = "/api/dues/"

    def list_marker(self, obj):
        return f'data-member="{obj.member_id}"'

    def make_object(self, org):
        return DuesDue.objects.create(
            member=make_member(org),
            org=org,
            month=JAN,
            amount=Decimal("40"),
            category="in_service",
            table_id="national.2008",
        )


class TestDuesReductionPermissions(ApiWritePermissionTestMixin):
    model = DuesReduction
    view_role = READER
    list_url = "dues:reduction_list"
    other_write_urls = ("dues:reduction_approve",)
    api_list = "/api/dues-reductions/"
    write_role = "branch_secretary"

    def list_marker(self, obj):
        return obj.reason

    def make_object(self, org):
        member = make_member(org)
        return DuesReduction.objects.create(
            member=member,
            kind="exempt",
            starts=JAN,
            ends=dt.date(2024, 3, 1),
            reason=f"困难{member.pk}号",
            branch_reviewed_on=dt.date(2023, 12, 20),
        )

    def api_payload(self, org):
        return {
            "member": make_member(org).pk,
            "kind": "reduce",
            "starts": "2024-01-01",
            "ends": "2024-06-01",
            "amount": "1.00",
            "reason": "长期病休",
            "branch_reviewed_on": "2023-12-20",
        }


class TestDuesRemittancePermissions(ApiWritePermissionTestMixin):
    model = DuesRemittance
    view_role = READER
    list_url = "dues:remittance_list"
    other_write_urls = ("dues:remittance_confirm",)
    api_list = "/api/dues-remittances/"
    write_role = "branch_secretary"

    def list_marker(self, obj):
        return obj.reference

    def make_object(self, org):
        return DuesRemittance.objects.create(
            from_org=org,
            to_org=org.get_parent(),
            from_month=JAN,
            to_month=dt.date(2024, 3, 1),
            amount=Decimal("480"),
            remitted_on=dt.date(2024, 4, 2),
            reference=f"凭证{org.pk}",
        )

    def api_payload(self, org):
        return {
            "from_org": org.pk,
            "from_month": "2024-01-01",
            "to_month": "2024-03-01",
            "amount": "480.00",
            "remitted_on": "2024-04-02",
        }
