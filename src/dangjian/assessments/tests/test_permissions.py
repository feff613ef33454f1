"""The generic permission checks for every scoped assessment model and endpoint."""

from __future__ import annotations

import pytest

from dangjian.assessments import services
from dangjian.assessments.models import (
    Assessment,
    Campaign,
    EvidenceFile,
    Finding,
    ItemResult,
    Rectification,
    RectificationEvidence,
)
from dangjian.core.scoping import SYSTEM
from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin

from .factories import (
    checklist_framework,
    make_campaign,
    make_finding,
    make_framework,
    pdf_upload,
)


def own_assessment(org) -> Assessment:
    """An assessment of `org` in a campaign `org` runs itself (owner side = org)."""
    return make_campaign(checklist_framework(), org, [org]).assessments.get()


class TestCampaignPermissions(ApiWritePermissionTestMixin):
    model = Campaign
    list_url = "assessments:campaign_list"
    detail_url = "assessments:campaign_detail"
    other_write_urls = (
        "assessments:campaign_release",
        "assessments:campaign_status",
        "assessments:campaign_quota",
        "assessments:campaign_add_targets",
        "assessments:redraw",
    )
    api_list = "/api/campaigns/"

    def make_object(self, org):
        return make_campaign(checklist_framework(), org, [org])

    def api_payload(self, org):
        fw = make_framework(
            [{"code": "1", "kind": "pass_fail"}], target_kinds=["branch", "party_group"]
        )
        return {
            "name": "2024年基础制度抽查",
            "campaign_type": "sampled_review",
            "framework": fw.pk,
            "scope_org": org.pk,
            "target_kinds": ["branch", "party_group"],
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "selection": "all",
        }


class TestAssessmentPermissions(PermissionTestMixin):
    model = Assessment
    list_url = "assessments:assessment_list"
    detail_url = "assessments:assessment_detail"
    other_write_urls = (
        "assessments:assessment_results",
        "assessments:assessment_status",
        "assessments:assessment_info",
        "assessments:assessment_raise",
        "assessments:evidence_upload",
    )
    api_list = "/api/assessments/"

    def make_object(self, org):
        return own_assessment(org)


class TestItemResultPermissions(PermissionTestMixin):
    model = ItemResult
    api_list = "/api/item-results/"

    def make_object(self, org):
        a = own_assessment(org)
        return ItemResult.objects.create(
            assessment=a, item=a.campaign.framework.items.get(code="1.1"), result="conforming"
        )


class TestEvidenceFilePermissions(PermissionTestMixin):
    model = EvidenceFile
    detail_url = "assessments:evidence_download"

    def make_object(self, org):
        return services.add_evidence_file(SYSTEM, own_assessment(org), pdf_upload())


class TestFindingPermissions(ApiWritePermissionTestMixin):
    model = Finding
    list_url = "assessments:finding_list"
    detail_url = "assessments:finding_detail"
    api_list = "/api/findings/"

    def make_object(self, org):
        return make_finding(org, raised_by=org)

    def api_payload(self, org):
        return {"org": org.pk, "category": "三会一课", "text": "主题党日记录缺少参会人员签到。"}


class TestRectificationPermissions(PermissionTestMixin):
    model = Rectification
    list_url = "assessments:rectification_board"
    detail_url = "assessments:rectification_detail"
    other_write_urls = (
        "assessments:rectification_submit",
        "assessments:rectification_verify",
        "assessments:rectification_file_upload",
    )
    api_list = "/api/rectifications/"

    def make_object(self, org):
        return make_finding(org, raised_by=org).rectification


class TestRectificationEvidencePermissions(PermissionTestMixin):
    model = RectificationEvidence
    detail_url = "assessments:rectification_file_download"

    def make_object(self, org):
        r = make_finding(org, raised_by=org).rectification
        return services.add_rectification_file(SYSTEM, r, pdf_upload())


@pytest.mark.django_db
def test_frameworks_are_read_by_assessment_roles_only(client, tree, make_user):
    fw = checklist_framework()
    client.force_login(make_user("audit_admin"))
    assert client.get("/assessments/frameworks/").status_code == 403
    assert client.get("/api/frameworks/").status_code == 403
    client.force_login(make_user("viewer", tree.unit_a))
    assert client.get("/assessments/frameworks/").status_code == 200
    assert client.get(f"/assessments/frameworks/{fw.pk}/").status_code == 200
    assert client.get(f"/api/frameworks/{fw.pk}/").json()["items"][0]["code"] == "1"
    # importing needs add_framework (the 工委's FRAMEWORK_MANAGE), not just unit admin rights
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.get("/assessments/frameworks/import/").status_code == 403
    resp = client.post(
        "/api/frameworks/import/", {"text": "code: x"}, content_type="application/json"
    )
    assert resp.status_code == 403
