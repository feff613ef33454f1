"""督查考评 metrics on hand-built data (seed-figures.md rows 4, 7, 13, 14, 16; closure rate)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.assessments.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignType,
    Finding,
    Framework,
    Rectification,
    RectificationStatus,
)
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import OrgKind

pytestmark = pytest.mark.django_db
DONE, PLANNED = AssessmentStatus.DONE, AssessmentStatus.PLANNED
T = CampaignType


def value(metric_id, user=SYSTEM, year=2024, within=None):
    return registry.get(metric_id).value(MetricScope(user, year, within))


def drill(metric_id, user=SYSTEM, year=2024, within=None):
    return registry.get(metric_id).drilldown(MetricScope(user, year, within))


def framework(code: str) -> Framework:
    return Framework.objects.get_or_create(code=code, version=1, defaults={"name": code})[0]


def campaign(
    owner,
    kind: str,
    code: str,
    start=dt.date(2024, 3, 1),
    end=dt.date(2024, 6, 30),
    released=True,
    **targets,
):
    """A campaign with one assessment per target; `targets`: name → (org, status[, passed])."""
    c = Campaign.objects.create(
        name=f"{kind}-{code}-{start}",
        campaign_type=kind,
        framework=framework(code),
        scope_org=owner,
        period_start=start,
        period_end=end,
        results_released=released,
    )
    for org, status, *passed in targets.values():
        Assessment.objects.create(
            campaign=c, target=org, status=status, passed=passed[0] if passed else None
        )
    return c


@pytest.fixture
def scene(tree):
    t = tree
    t.lg_a = t.unit_a.add_child(kind=OrgKind.LEADING_GROUP, name="甲局党组")
    t.unit_a.refresh_from_db()
    t.branch_b2 = t.unit_b.add_child(kind=OrgKind.BRANCH, name="乙局第二党支部")
    t.unit_b.refresh_from_db()
    root = t.root
    # 4: 中心组学习 抽查调阅 — 甲局 via its 党组 and again via the unit org (one unit), 乙局.
    campaign(root, T.SAMPLED_REVIEW, "central_group_study", a=(t.lg_a, DONE), b=(t.unit_b, DONE))
    campaign(
        root,
        T.SAMPLED_REVIEW,
        "central_group_study",
        dt.date(2024, 11, 1),
        dt.date(2025, 1, 31),  # runs over the new year: counts in 2024 and 2025
        a=(t.unit_a, DONE),
    )
    campaign(root, T.SAMPLED_REVIEW, "central_group_study", dt.date(2023, 5, 1), c=(t.unit_a, DONE))
    campaign(
        root,
        T.SAMPLED_REVIEW,
        "central_group_study",
        dt.date(2025, 3, 1),
        dt.date(2025, 6, 30),
        a=(t.unit_a, DONE),
        b=(t.unit_b, PLANNED),  # drawn, not yet checked
    )
    campaign(root, T.UNANNOUNCED_INSPECTION, "central_group_study", x=(t.unit_b, DONE))  # not 4
    # 13: 基础制度落实 — three branches/groups, branch_a twice; unit orgs are not counted.
    basic = campaign(
        root,
        T.SAMPLED_REVIEW,
        "basic_system",
        a=(t.branch_a, DONE),
        g=(t.group_a, DONE),
        b=(t.branch_b, DONE),
        u=(t.unit_a, DONE),
        p=(t.branch_b2, PLANNED),
    )
    campaign(
        root,
        T.SAMPLED_REVIEW,
        "basic_system",
        dt.date(2024, 7, 1),
        dt.date(2024, 12, 31),
        a=(t.branch_a, DONE),
    )
    campaign(root, T.DUES_AUDIT, "basic_system", d=(t.branch_b2, DONE))  # another type
    # 16: 明察暗访 — 甲局 twice (unit and a branch: one unit), 乙局 once.
    campaign(
        root,
        T.UNANNOUNCED_INSPECTION,
        "unannounced_inspection",
        a=(t.unit_a, DONE),
        b=(t.branch_a, DONE),
        c=(t.branch_b, DONE),
    )
    # 7: 模范机关 — 甲局 passes, 乙局 does not; an unfinished pass does not count.
    campaign(
        root,
        T.MODEL_ORGAN,
        "model_organ",
        a=(t.unit_a, DONE, True),
        b=(t.unit_b, DONE, False),
    )
    campaign(root, T.MODEL_ORGAN, "model_organ", dt.date(2024, 9, 1), b=(t.unit_b, PLANNED, True))
    # 14 and the rectifications: findings of the 基础制度 campaign in two categories.
    a_assessment = basic.assessments.get(target=t.branch_a)
    b_assessment = basic.assessments.get(target=t.branch_b)
    today = timezone.localdate()
    rows = [
        (a_assessment, "三会一课", RectificationStatus.CLOSED, dt.date(2024, 5, 31)),
        (a_assessment, "组织生活会", RectificationStatus.CLOSED, dt.date(2024, 6, 30)),
        (b_assessment, "三会一课", RectificationStatus.CLOSED, dt.date(2024, 7, 31)),
        (b_assessment, "三会一课", RectificationStatus.OPEN, dt.date(2024, 8, 31)),  # overdue
        (b_assessment, "三会一课", RectificationStatus.SUBMITTED, dt.date(2024, 9, 30)),
        (b_assessment, "三会一课", RectificationStatus.OPEN, dt.date(2025, 1, 31)),  # 2025
    ]
    for n, (assessment, category, status, deadline) in enumerate(rows):
        f = Finding.objects.create(
            org=assessment.target,
            raised_by_org=root,
            campaign=basic,
            assessment=assessment,
            category=category,
            text=f"问题{n}",
            found_on=dt.date(2024, 4, 15),
        )
        Rectification.objects.create(
            finding=f,
            org=f.org,
            deadline=deadline,
            status=status,
            closed_on=deadline if status == RectificationStatus.CLOSED else None,
        )
    # A free-standing finding of 2024 in another category (counts as a finding, not on
    # the 基础制度 negative list), still open but not yet due.
    f = Finding.objects.create(
        org=t.branch_b2,
        raised_by_org=root,
        category="党费",
        text="党费收缴不及时",
        found_on=dt.date(2024, 12, 20),
    )
    Rectification.objects.create(finding=f, org=f.org, deadline=today + dt.timedelta(days=30))
    return t


def test_seed_figures_for_the_whole_tree(scene):
    assert value("supervision.study_review_units") == 2
    assert value("supervision.basic_system_reviewed_orgs") == 3
    assert value("supervision.unannounced_units") == 2
    assert value("evaluation.model_organ_passed") == 1
    assert value("evaluation.model_organ_assessed") == 2
    assert value("supervision.negative_list") == 2  # 三会一课, 组织生活会


def test_a_campaign_counts_in_the_years_its_period_overlaps(scene):
    assert value("supervision.study_review_units", year=2023) == 1
    # 2025: 甲局 (over the new year, and done in the running campaign), not the drawn 乙局.
    assert value("supervision.study_review_units", year=2025) == 1
    assert value("supervision.basic_system_reviewed_orgs", year=2025) == 0
    assert value("evaluation.model_organ_passed", year=2023) == 0


def test_drilldowns_list_the_records_behind_the_numbers(scene):
    t = scene
    reviewed = drill("supervision.basic_system_reviewed_orgs")
    assert {a.target for a in reviewed} == {t.branch_a, t.group_a, t.branch_b}
    assert reviewed.count() == 4  # branch_a in both rounds
    assert [a.target for a in drill("evaluation.model_organ_passed")] == [t.unit_a]
    study = drill("supervision.study_review_units")
    assert {a.target for a in study} == {t.lg_a, t.unit_b, t.unit_a}
    negative = drill("supervision.negative_list")
    assert [f.category for f in negative] == ["三会一课"] * 5 + ["组织生活会"]
    open_ones = drill("supervision.rectification_closure_rate")
    assert sorted(open_ones.values_list("status", flat=True)) == ["open", "submitted"]


def test_findings_and_rectifications(scene):
    assert value("supervision.findings_count") == 7
    # Due in 2024: 5, of which 3 closed.
    assert value("supervision.rectification_closure_rate") == 60.0
    assert value("supervision.overdue_rectifications") == 1
    assert value("supervision.rectification_closure_rate", year=2020) is None


def test_a_unit_admin_counts_only_its_own_subtree(scene, make_user):
    t = scene
    admin_a = make_user("unit_admin", t.unit_a)
    assert value("supervision.study_review_units", admin_a) == 1
    assert value("supervision.basic_system_reviewed_orgs", admin_a) == 2  # branch_a, group_a
    assert value("supervision.unannounced_units", admin_a) == 1
    assert value("evaluation.model_organ_passed", admin_a) == 1
    assert value("supervision.negative_list", admin_a) == 2
    assert value("supervision.findings_count", admin_a) == 2
    assert value("supervision.rectification_closure_rate", admin_a) == 100.0
    assert value("supervision.overdue_rectifications", admin_a) == 0
    admin_b = make_user("unit_admin", t.unit_b)
    assert value("evaluation.model_organ_passed", admin_b) == 0
    assert value("evaluation.model_organ_assessed", admin_b) == 1
    assert value("supervision.basic_system_reviewed_orgs", admin_b) == 1
    assert value("supervision.overdue_rectifications", admin_b) == 1
    # `within` narrows the 工委's view the same way.
    assert value("supervision.basic_system_reviewed_orgs", within=t.unit_b) == 1
    assert value("supervision.unannounced_units", within=t.unit_a) == 1


def test_unreleased_results_count_only_for_the_campaign_owner(scene, make_user):
    t = scene
    Campaign.objects.update(results_released=False)
    admin_a = make_user("unit_admin", t.unit_a)
    assert value("supervision.basic_system_reviewed_orgs", admin_a) == 0
    assert value("evaluation.model_organ_passed", admin_a) == 0
    # Findings belong to the org with the problem: visible to it regardless.
    assert value("supervision.negative_list", admin_a) == 2
    # A unit checking its own branches owns that campaign and sees it unreleased.
    campaign(t.unit_a, T.SAMPLED_REVIEW, "basic_system", released=False, a=(t.branch_a, DONE))
    assert value("supervision.basic_system_reviewed_orgs", admin_a) == 1
    assert value("supervision.basic_system_reviewed_orgs") == 3
    nobody = make_user()
    assert value("supervision.basic_system_reviewed_orgs", nobody) == 0
    assert value("supervision.rectification_closure_rate", nobody) is None


def test_every_metric_is_listed_with_a_label_and_drilldown():
    ids = {m.id for m in registry.all()}
    wanted = {
        "supervision.study_review_units",
        "supervision.basic_system_reviewed_orgs",
        "supervision.unannounced_units",
        "evaluation.model_organ_passed",
        "evaluation.model_organ_assessed",
        "supervision.negative_list",
        "supervision.findings_count",
        "supervision.rectification_closure_rate",
        "supervision.overdue_rectifications",
    }
    assert wanted <= ids
    for metric_id in wanted:
        m = registry.get(metric_id)
        assert m.label and m.unit and m.drilldown is not None and m.description
