"""Writes by side for every 督查考评 model that declares `write_sides` (the generic
WriteBySideTestMixin): the 工委 (tree.root) checks 甲局第一党支部 (tree.branch_a); 甲局's
unit admin, who holds every assessments permission over the branch, cannot change or
delete what the 工委 wrote, and answers its own rectifications."""

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
from dangjian.core.testing.sides import (
    ANSWERING,
    CHECKING,
    WriteBySideTestMixin,
    WriteRequest,
)
from dangjian.orgs.models import Organization

from .factories import checklist_framework, make_campaign, make_finding, pdf_upload

WRITES = ("add", "change", "delete")


@pytest.fixture(autouse=True)
def _files_apart(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # uploads of these tests in a folder of their own


def checked_assessment(tree) -> Assessment:
    """The 工委's check of 甲局第一党支部, results released (so the branch's side sees it:
    what keeps it from writing is the side rule, not visibility)."""
    campaign = make_campaign(
        checklist_framework(), tree.root, [tree.branch_a], results_released=True
    )
    return campaign.assessments.get()


def item_id(assessment: Assessment, code: str) -> int:
    return assessment.campaign.framework.items.get(code=code).pk


def submitted(r: Rectification) -> None:
    Rectification.objects.filter(pk=r.pk).update(status="submitted", evidence_text="见会议记录")


class TestCampaignSides(WriteBySideTestMixin):
    model = Campaign
    sides = dict.fromkeys(WRITES, CHECKING)
    api_detail = "/api/campaigns/{pk}/"
    api_change = {"name": "2024年基础制度抽查（改）"}
    api_delete = True

    def make_object(self, tree):
        return make_campaign(checklist_framework(), tree.root, [tree.branch_a])

    def write_requests(self, obj):
        return [
            WriteRequest("change", "post", f"/api/campaigns/{obj.pk}/release/", {"released": True}),
            WriteRequest(
                "change",
                "post",
                f"/assessments/campaigns/{obj.pk}/release/",
                {"released": "1"},
                json=False,
            ),
            WriteRequest(
                "change",
                "post",
                f"/assessments/campaigns/{obj.pk}/status/",
                {"status": "active"},
                json=False,
            ),
            WriteRequest(
                "add",
                "post",
                "/api/campaigns/",
                {
                    "name": "工委再次抽查",
                    "campaign_type": "sampled_review",
                    "framework": obj.framework_id,
                    "scope_org": obj.scope_org_id,
                    "target_kinds": ["branch"],
                    "period_start": "2024-01-01",
                    "period_end": "2024-12-31",
                    "selection": "all",
                },
            ),
        ]


class TestAssessmentSides(WriteBySideTestMixin):
    model = Assessment
    sides = dict.fromkeys(WRITES, CHECKING)
    api_detail = "/api/assessments/{pk}/"  # read-only: writes are its actions below

    def make_object(self, tree):
        return checked_assessment(tree)

    def write_requests(self, obj):
        url = f"/assessments/targets/{obj.pk}"
        return [
            WriteRequest(
                "change", "post", f"/api/assessments/{obj.pk}/status/", {"status": "in_progress"}
            ),
            WriteRequest(
                "change",
                "post",
                f"/api/assessments/{obj.pk}/results/",
                {"rows": [{"item": "2", "score": "6"}]},
            ),
            WriteRequest("change", "post", f"{url}/status/", {"status": "in_progress"}, json=False),
            WriteRequest("change", "post", f"{url}/info/", {"summary": "总体较好"}, json=False),
            WriteRequest(
                "add",
                "post",
                f"/api/campaigns/{obj.campaign_id}/add-targets/",
                {"targets": [Organization.objects.get(name="乙局第一党支部").pk]},
            ),
        ]


class TestItemResultSides(WriteBySideTestMixin):
    model = ItemResult
    sides = dict.fromkeys(WRITES, CHECKING)
    api_detail = "/api/item-results/{pk}/"  # read-only: written through the assessment

    def make_object(self, tree):
        a = checked_assessment(tree)
        return ItemResult.objects.create(
            assessment=a, item_id=item_id(a, "2"), result="conforming", score=8
        )

    def write_requests(self, obj):
        a = obj.assessment
        item = obj.item_id
        return [
            WriteRequest(
                "change",
                "post",
                f"/api/assessments/{a.pk}/results/",
                {"rows": [{"item": "2", "score": "3"}]},
            ),
            WriteRequest(
                "change",
                "post",
                f"/assessments/targets/{a.pk}/results/",
                {f"result-{item}": "partial", f"score-{item}": "4", f"note-{item}": "记录不全"},
                json=False,
            ),
            WriteRequest(
                "add",
                "post",
                f"/api/assessments/{a.pk}/results/",
                {"rows": [{"item": "1.1", "result": "conforming"}]},
            ),
        ]


class TestEvidenceFileSides(WriteBySideTestMixin):
    model = EvidenceFile
    sides = dict.fromkeys(WRITES, CHECKING)

    def make_object(self, tree):
        return services.add_evidence_file(SYSTEM, checked_assessment(tree), pdf_upload())

    def write_requests(self, obj):
        return [
            WriteRequest(
                "add",
                "post",
                f"/assessments/targets/{obj.assessment_id}/evidence/",
                {"file": pdf_upload("检查记录.pdf")},
                json=False,
            )
        ]


class TestFindingSides(WriteBySideTestMixin):
    model = Finding
    sides = dict.fromkeys(WRITES, CHECKING)
    api_detail = "/api/findings/{pk}/"
    api_change = {"text": "三会一课记录不全，缺少签到表"}
    api_delete = True

    def make_object(self, tree):
        a = checked_assessment(tree)
        return services.raise_finding(
            SYSTEM,
            text="三会一课记录不全",
            assessment=a,
            item=a.campaign.framework.items.get(code="1.2"),
        )

    def write_requests(self, obj):
        return [
            WriteRequest(
                "add",
                "post",
                "/api/findings/",
                {"assessment": obj.assessment_id, "text": "党费收缴不及时", "category": "党费"},
            ),
            WriteRequest(  # another item: one finding per item of a check
                "add",
                "post",
                f"/assessments/targets/{obj.assessment_id}/findings/",
                {
                    "item": obj.assessment.campaign.framework.items.get(code="1.1").pk,
                    "text": "会议记录缺少议题",
                },
                json=False,
            ),
        ]


class TestRectificationSides(WriteBySideTestMixin):
    model = Rectification
    sides = {"add": CHECKING, "change": ANSWERING, "delete": CHECKING, "verify": CHECKING}
    api_detail = "/api/rectifications/{pk}/"  # read-only: submit and verify are actions

    def make_object(self, tree):
        a = checked_assessment(tree)
        finding = services.raise_finding(
            SYSTEM, text="主题党日未按月开展", assessment=a, category="三会一课"
        )
        return finding.rectification

    def write_requests(self, obj):
        api = f"/api/rectifications/{obj.pk}"
        page = f"/assessments/rectifications/{obj.pk}"
        return [
            WriteRequest("change", "post", f"{api}/submit/", {"measures": "已补开主题党日"}),
            WriteRequest(
                "change", "post", f"{page}/submit/", {"measures": "已补开主题党日"}, json=False
            ),
            WriteRequest("verify", "post", f"{api}/verify/", {"accept": True}, setup=submitted),
            WriteRequest(
                "verify",
                "post",
                f"{page}/verify/",
                {"decision": "accept"},
                json=False,
                setup=submitted,
            ),
            # made with its finding, deleted with it
            WriteRequest(
                "add",
                "post",
                "/api/findings/",
                {
                    "assessment": obj.finding.assessment_id,
                    "text": "党费收缴不及时",
                    "category": "党费",
                },
            ),
            WriteRequest("delete", "delete", f"/api/findings/{obj.finding_id}/"),
        ]


class TestRectificationEvidenceSides(WriteBySideTestMixin):
    model = RectificationEvidence
    sides = dict.fromkeys(WRITES, ANSWERING)

    def make_object(self, tree):
        r = make_finding(tree.branch_a, raised_by=tree.root).rectification
        return services.add_rectification_file(SYSTEM, r, pdf_upload())

    def write_requests(self, obj):
        r = obj.rectification_id
        return [
            WriteRequest(
                "add",
                "post",
                f"/assessments/rectifications/{r}/files/",
                {"file": pdf_upload()},
                json=False,
            ),
            WriteRequest(
                "add",
                "post",
                f"/api/rectifications/{r}/submit/",
                {"measures": "已整改", "files": [pdf_upload("整改照片.pdf")]},
                json=False,
            ),
        ]


@pytest.mark.django_db
def test_the_checked_side_still_reads_its_released_results_and_only_those(tree, make_user):
    """Writes moved to the declared side; reading stays as it was: the target's side sees
    its assessment, results and evidence once released, not before."""
    unit_admin = make_user("unit_admin", tree.unit_a)
    a = checked_assessment(tree)
    result = ItemResult.objects.create(assessment=a, item_id=item_id(a, "2"), score=5)
    evidence = services.add_evidence_file(SYSTEM, a, pdf_upload())
    for model, pk in ((Assessment, a.pk), (ItemResult, result.pk), (EvidenceFile, evidence.pk)):
        assert model.objects.restrict(unit_admin, "view").filter(pk=pk).exists(), model
    Campaign.objects.filter(pk=a.campaign_id).update(results_released=False)
    for model, pk in ((Assessment, a.pk), (ItemResult, result.pk), (EvidenceFile, evidence.pk)):
        assert not model.objects.restrict(unit_admin, "view").filter(pk=pk).exists(), model
    committee = make_user("committee_admin", tree.root)
    assert Assessment.objects.restrict(committee, "view").filter(pk=a.pk).exists()
