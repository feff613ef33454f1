"""The generic permission and write-by-side checks for every honors model and endpoint."""

from __future__ import annotations

from django.urls import reverse

from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin
from dangjian.core.testing.sides import (
    ANSWERING,
    CHECKING,
    WriteBySideTestMixin,
    WriteRequest,
)
from dangjian.honors import titles
from dangjian.honors.models import Honor, HonorRound, Nomination, RoundQuota
from dangjian.members.tests.factories import MemberFactory

from .factories import make_honor, make_nomination, make_round, quota


class TestHonorRoundPermissions(PermissionTestMixin):
    model = HonorRound
    list_url = "honors:round_list"
    detail_url = "honors:round_detail"
    edit_url = "honors:round_edit"
    other_write_urls = ("honors:round_quotas", "honors:round_publicize", "honors:round_decide")
    api_list = "/api/honor-rounds/"
    write_role = "committee_admin"  # only the 工委 side opens and runs rounds

    def make_object(self, org):
        return make_round(org)


class TestRoundQuotaPermissions(PermissionTestMixin):
    model = RoundQuota  # shown on its round's page only

    def make_object(self, org):
        return quota(make_round(org.get_root()), org)


class TestNominationPermissions(ApiWritePermissionTestMixin):
    model = Nomination
    list_url = "honors:nomination_list"
    detail_url = "honors:nomination_detail"
    delete_url = "honors:nomination_delete"
    other_write_urls = ("honors:nomination_review",)
    api_list = "/api/nominations/"

    def make_object(self, org):
        return make_nomination(org)

    def api_payload(self, org):
        rnd = make_round(org.get_root())
        quota(rnd, org)
        return {
            "round": rnd.pk,
            "org": org.pk,
            "title": titles.EXCELLENT_MEMBER,
            "member": MemberFactory(org=org).pk,
            "material": "连续三年考核优秀，带头攻坚。",
        }


class TestHonorPermissions(ApiWritePermissionTestMixin):
    model = Honor
    list_url = "honors:honor_list"
    detail_url = "honors:honor_detail"
    edit_url = "honors:honor_edit"
    delete_url = "honors:honor_delete"
    api_list = "/api/honors/"

    def make_object(self, org):
        return make_honor(org)

    def api_payload(self, org):
        return {
            "title": titles.EXCELLENT_MEMBER,
            "level": "city",
            "member": MemberFactory(org=org).pk,
            "year": 2024,
            "issuer": "中共示例市委",
            "decided_on": "2024-06-28",
            "document_number": "示发〔2024〕9号",
        }


class TestNominationSides(WriteBySideTestMixin):
    """The 工委 reviews; the unit withdraws its own — and never changes a review."""

    model = Nomination
    sides = {"change": CHECKING, "delete": ANSWERING}
    api_detail = "/api/nominations/{pk}/"
    api_delete = True

    def make_object(self, tree):
        return make_nomination(tree.branch_a, round_org=tree.root)

    def write_requests(self, obj):
        return [
            WriteRequest(
                "change",
                "post",
                reverse("honors:nomination_review", args=[obj.pk]),
                {"decision": "return", "review_note": "事迹材料不完整"},
                json=False,
            ),
            WriteRequest(
                "delete", "post", reverse("honors:nomination_delete", args=[obj.pk]), json=False
            ),
        ]


class TestHonorSides(WriteBySideTestMixin):
    """An honor the 工委 decided: the unit reads it, never changes or revokes it."""

    model = Honor
    sides = {"change": CHECKING, "delete": CHECKING}
    api_detail = "/api/honors/{pk}/"
    api_change = {"note": "更正：事迹摘要"}
    api_delete = True

    def make_object(self, tree):
        return make_honor(tree.branch_a, recorded_by=tree.root)

    def write_requests(self, obj):
        return [
            WriteRequest(
                "change",
                "post",
                reverse("honors:honor_edit", args=[obj.pk]),
                {
                    "title": obj.title,
                    "level": "city",
                    "member": obj.member_id,
                    "year": obj.year,
                    "issuer": obj.issuer,
                    "decided_on": "2024-06-28",
                    "document_number": "示工委〔2024〕19号",
                    "note": "",
                },
                json=False,
            ),
            WriteRequest(
                "delete", "post", reverse("honors:honor_delete", args=[obj.pk]), json=False
            ),
        ]
