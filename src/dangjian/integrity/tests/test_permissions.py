"""The generic permission checks for every integrity model, page and endpoint, and the
write rule by side on a unit's register (only the round's side takes it out of a round)."""

from __future__ import annotations

from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin
from dangjian.core.testing.sides import ANSWERING, CHECKING, WriteBySideTestMixin, WriteRequest
from dangjian.integrity.models import (
    Institution,
    Measure,
    RiskPoint,
    RiskReview,
    RiskSubmission,
)

from .factories import (
    RiskReviewFactory,
    make_institution,
    make_measure,
    make_point,
    register_for,
)


class TestRiskReviewPermissions(ApiWritePermissionTestMixin):
    model = RiskReview
    list_url = "integrity:review_list"
    detail_url = "integrity:review_detail"
    edit_url = "integrity:review_edit"
    delete_url = "integrity:review_delete"
    api_list = "/api/risk-reviews/"
    write_role = "committee_admin"

    def make_object(self, org):
        return RiskReviewFactory(org=org)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "year": 2026,
            "title": "2026年度廉政风险排查",
            "opens_on": "2026-03-01",
            "due_on": "2026-05-31",
        }


class TestRiskSubmissionPermissions(PermissionTestMixin):
    model = RiskSubmission
    list_url = "integrity:submission_list"
    detail_url = "integrity:submission_detail"
    delete_url = "integrity:submission_delete"
    other_write_urls = ("integrity:submission_submit",)
    api_list = "/api/risk-submissions/"

    def make_object(self, org):
        return register_for(org)


class TestRiskPointPermissions(ApiWritePermissionTestMixin):
    model = RiskPoint
    list_url = "integrity:point_list"
    detail_url = "integrity:point_detail"
    edit_url = "integrity:point_edit"
    delete_url = "integrity:point_delete"
    api_list = "/api/risk-points/"

    def make_object(self, org):
        return make_point(org)

    def api_payload(self, org):
        return {
            "submission": register_for(org).pk,
            "code": "FX-99",
            "post": "procurement",
            "category": "process",
            "level": "medium",
            "description": "采购需求设置倾向性条款的风险",
        }


class TestMeasurePermissions(ApiWritePermissionTestMixin):
    model = Measure
    list_url = "integrity:measure_list"
    detail_url = "integrity:measure_detail"
    edit_url = "integrity:measure_edit"
    delete_url = "integrity:measure_delete"
    api_list = "/api/measures/"

    def make_object(self, org):
        return make_measure(org)

    def api_payload(self, org):
        point = make_point(org)
        return {
            "submission": point.submission_id,
            "risk_points": [point.pk],
            "description": "采购需求由两人以上共同拟定，法律顾问审核",
            "responsible": "办公室主任",
        }


class TestInstitutionPermissions(ApiWritePermissionTestMixin):
    model = Institution
    list_url = "integrity:institution_list"
    detail_url = "integrity:institution_detail"
    edit_url = "integrity:institution_edit"
    delete_url = "integrity:institution_delete"
    api_list = "/api/institutions/"

    def make_object(self, org):
        return make_institution(org)

    def api_payload(self, org):
        return {
            "submission": register_for(org).pk,
            "kind": "revised",
            "name": "政府采购内部控制规程",
            "issued_on": "2025-04-01",
            "document_number": "甲局发〔2025〕8号",
        }


class TestRiskSubmissionSides(WriteBySideTestMixin):
    """The 工委 opened the round and gave the unit its register: the unit fills and submits
    it, but cannot take itself out of the round."""

    model = RiskSubmission
    sides = {"change": ANSWERING, "delete": CHECKING}
    api_detail = "/api/risk-submissions/{pk}/"
    api_delete = True

    def make_object(self, tree):
        # a fresh round per call (a register is unique per round and org)
        year = 2030 + RiskReview.objects.count()
        return register_for(tree.branch_a, year=year, review_org=tree.root)

    def write_requests(self, obj):
        return [
            WriteRequest(
                "change",
                "post",
                f"/integrity/registers/{obj.pk}/submit/",
                {},
                setup=lambda sub: make_measure(sub.org, submission=sub),
            ),
            WriteRequest("delete", "post", f"/integrity/registers/{obj.pk}/delete/", {}),
        ]
