"""The generic permission checks for every cases model, page and endpoint, and the rating's
write by side: the 工委 rates, the unit can never change or delete the rating."""

from __future__ import annotations

from django.urls import reverse

from dangjian.cases.models import Brand, Case, CaseAward, CaseFile, CaseRating
from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin
from dangjian.core.testing.sides import CHECKING, WriteBySideTestMixin, WriteRequest

from .factories import make_award, make_brand, make_case, make_file, make_rating


class TestCasePermissions(ApiWritePermissionTestMixin):
    model = Case
    list_url = "cases:case_list"
    detail_url = "cases:case_detail"
    edit_url = "cases:case_edit"
    delete_url = "cases:case_delete"
    other_write_urls = ("cases:case_submit",)
    api_list = "/api/cases/"

    def make_object(self, org):
        return make_case(org, submitted=False)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "year": 2024,
            "case_type": "innovation",
            "title": f"“四微”工作法{org.pk}",
            "summary": "每月开展一次微党课。",
        }


class TestCaseRatingPermissions(PermissionTestMixin):
    """Shown on its case's page; written through the rating page and the API."""

    model = CaseRating
    list_url = "cases:case_list"
    api_list = "/api/case-ratings/"

    def list_marker(self, obj):
        return f'href="{reverse("cases:case_detail", args=[obj.case_id])}"'

    def make_object(self, org):
        return make_rating(make_case(org))


class TestCaseAwardPermissions(ApiWritePermissionTestMixin):
    model = CaseAward
    list_url = "cases:award_list"
    edit_url = "cases:award_edit"
    delete_url = "cases:award_delete"
    api_list = "/api/case-awards/"

    def list_marker(self, obj):
        return f'href="{reverse("cases:case_detail", args=[obj.case_id])}"'

    def make_object(self, org):
        return make_award(make_case(org))

    def api_payload(self, org):
        return {
            "case": make_case(org).pk,
            "level": "provincial_committee",
            "award": "二等奖案例",
            "year": 2024,
            "document_number": "某直工〔2025〕9号",
        }


class TestCaseFilePermissions(PermissionTestMixin):
    model = CaseFile
    detail_url = "cases:file_download"
    delete_url = "cases:file_delete"
    api_list = "/api/case-files/"

    def make_object(self, org):
        return make_file(make_case(org))


class TestBrandPermissions(ApiWritePermissionTestMixin):
    model = Brand
    list_url = "cases:brand_list"
    detail_url = "cases:brand_detail"
    edit_url = "cases:brand_edit"
    delete_url = "cases:brand_delete"
    api_list = "/api/brands/"

    def make_object(self, org):
        return make_brand(org)

    def api_payload(self, org):
        # the unit brand (the "1") of the branch's unit: nothing to make first
        return {"org": org.get_parent().pk, "name": "“先锋驿站”", "established_year": 2021}


def _unrate(obj):
    CaseRating.objects.filter(pk=obj.pk).delete()


class TestCaseRatingSides(WriteBySideTestMixin):
    model = CaseRating
    sides = {"add": CHECKING, "change": CHECKING, "delete": CHECKING}
    api_detail = "/api/case-ratings/{pk}/"
    api_change = {"rating": "selected"}
    api_delete = True

    def make_object(self, tree):
        return make_rating(make_case(tree.branch_a), by=tree.root)

    def write_requests(self, obj):
        rate = reverse("cases:case_rate", args=[obj.case_id])
        form = {"rating": "not_selected", "rated_on": "2024-12-21", "note": "需进一步提炼"}
        return [
            WriteRequest("change", "post", rate, form, json=False),
            WriteRequest("add", "post", rate, form, json=False, setup=_unrate),
            WriteRequest(
                "add",
                "post",
                "/api/case-ratings/",
                {"case": obj.case_id, "rating": "excellent", "rated_on": "2024-12-20"},
                setup=_unrate,
            ),
        ]
