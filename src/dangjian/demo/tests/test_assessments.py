"""The demo's 督查考评 at tiny scale: 2024 shaped like the seed, states, reproducible samples."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command

from dangjian.assessments import sampling
from dangjian.assessments.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CampaignType,
    Finding,
    ItemResult,
    Rectification,
    RectificationStatus,
)
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.demo import supervision
from dangjian.demo.plan import build_plan
from dangjian.orgs.models import Organization, OrgKind

TODAY = dt.date(2025, 6, 1)
TINY = supervision.SHAPES["tiny"]


def demo(**options):
    call_command(
        "demo",
        stdout=io.StringIO(),
        **{"scale": "tiny", "today": TODAY, "verbosity": 0, "seed": 3, **options},
    )


def metric(metric_id: str, year: int = 2024):
    return registry.get(metric_id).value(MetricScope(SYSTEM, year))


@pytest.fixture
def loaded(db):
    demo()


def test_2024_figures_are_shaped_like_the_seed_at_tiny_scale(loaded):
    assert metric("supervision.study_review_units") == TINY.study_units == 2
    assert metric("supervision.basic_system_reviewed_orgs") == TINY.basic_orgs == 18
    assert metric("supervision.unannounced_units") == sum(TINY.unannounced) == 2
    assert metric("evaluation.model_organ_passed") == TINY.model_organ[1] == 1
    assert metric("evaluation.model_organ_assessed") == TINY.model_organ[0] == 2
    assert metric("supervision.negative_list") >= 1
    assert 0 < metric("supervision.rectification_closure_rate") <= 100
    # 2024's campaigns are closed, every target done and the results released.
    y2024 = Campaign.objects.filter(period_start__year=2024)
    assert set(y2024.values_list("status", "results_released")) == {(CampaignStatus.CLOSED, True)}
    assert not Assessment.objects.filter(campaign__in=y2024).exclude(status="done").exists()


def test_results_totals_and_ratings_are_the_services(loaded):
    from dangjian.assessments import services

    model = Assessment.objects.filter(campaign__campaign_type=CampaignType.MODEL_ORGAN)
    for a in model.select_related("campaign__framework"):
        outcome = services.outcome_from_db(a)
        assert (a.total_score, a.passed, a.rating) == (
            outcome.total_score,
            outcome.passed,
            outcome.rating,
        )
    stars = Assessment.objects.filter(campaign__campaign_type=CampaignType.STAR_RATING)
    assert stars.count() == Organization.objects.filter(kind=OrgKind.BRANCH).count()  # all
    ratings = Counter(stars.values_list("rating", flat=True))
    assert set(ratings) <= {"五星", "四星", "三星", "二星"} and ratings["五星"] <= 5
    assert not stars.filter(rating="五星", has_innovation=False).exists()
    # Every assessable item of a done assessment has a result.
    a = Assessment.objects.filter(status="done").first()
    items = a.campaign.framework.items.exclude(kind="section").count()
    assert ItemResult.objects.filter(assessment=a).count() == items


def test_findings_and_rectification_states(loaded):
    findings = Finding.objects.filter(campaign__period_start__year=2024)
    assert findings.exists() and not findings.filter(category="").exists()
    assert not findings.filter(item__isnull=True).exists()
    for f in findings.select_related("assessment", "item"):
        assert f.org_id == f.assessment.target_id
        result = ItemResult.objects.get(assessment=f.assessment, item=f.item)
        assert result.result in ("nonconforming", "partial") and result.note == f.text
    states = Counter(Rectification.objects.values_list("status", flat=True))
    assert states[RectificationStatus.CLOSED] > sum(states.values()) / 2
    closed = Rectification.objects.filter(status=RectificationStatus.CLOSED)
    assert not closed.filter(evidence_text="").exists()
    assert not closed.filter(verified_by__isnull=True).exists()
    assert not closed.filter(closed_on__gte=TODAY).exists()
    assert not Rectification.objects.filter(submitted_at__date__gte=TODAY).exists()


def test_the_current_half_year_is_in_progress_and_the_next_a_draft(loaded):
    running = Campaign.objects.get(status=CampaignStatus.ACTIVE)
    assert running.period_start <= TODAY <= running.period_end
    assert not running.results_released
    states = set(running.assessments.values_list("status", flat=True))
    assert AssessmentStatus.DONE in states and len(states) > 1  # part done, part still open
    draft = Campaign.objects.get(status=CampaignStatus.DRAFT)
    assert draft.period_start > TODAY
    assert set(draft.assessments.values_list("status", flat=True)) == {AssessmentStatus.PLANNED}
    assert not ItemResult.objects.filter(assessment__campaign=draft).exists()


def test_samples_are_what_the_campaign_engine_draws_with_the_saved_seed(loaded):
    for c in Campaign.objects.filter(selection="sample"):
        strata = sampling.stratify(
            sampling.org_rows(sampling.population(c)), sampling.units_for(c.scope_org)
        )
        drawn = {pk for _path, pk, _name in sampling.draw(strata, c.sample_size, c.seed)}
        assert drawn == set(c.assessments.values_list("target_id", flat=True)), c.name
        assert c.sampling_plan["seed"] == c.seed
        assert {d["id"] for d in c.sampling_plan["drawn"]} == drawn
    # The two 2024 基础制度 rounds draw from disjoint populations (党支部, then 党小组).
    kinds = Assessment.objects.filter(
        campaign__period_start__year=2024, campaign__framework__code="basic_system"
    ).values_list("campaign__target_kinds", "target__kind")
    assert {(tuple(k), t) for k, t in kinds} == {
        (("branch",), OrgKind.BRANCH),
        (("party_group",), OrgKind.PARTY_GROUP),
    }


def fingerprint():
    return sorted(
        Assessment.objects.values_list(
            "campaign__name", "target__path", "status", "total_score", "rating", "assessed_on"
        )
    ), sorted(Finding.objects.values_list("org__path", "category", "text", "rectification__status"))


@pytest.mark.django_db
def test_same_seed_same_supervision():
    demo()
    first = fingerprint()
    demo(reset=True)
    assert fingerprint() == first
    other = supervision.campaigns(build_plan(4, "tiny", TODAY))
    assert [c.targets for c in other] != [
        c.targets for c in supervision.campaigns(build_plan(3, "tiny", TODAY))
    ]


def test_problem_texts_say_the_problem_not_the_standard():
    """A demo finding's text is what was found wanting, from the fixed vocabulary; it never
    embeds the item's standard ("<standard>落实不到位" read as compliance on the 负面清单):
    the standard is shown beside the finding from its item."""
    from pathlib import Path

    from dangjian.assessments import frameworks
    from dangjian.demo import supervision_texts as texts

    vocabulary = {t for _keys, problems in texts.PROBLEMS for t in problems}
    vocabulary |= set(texts.GENERIC_PROBLEMS)
    library = Path(frameworks.__file__).parent / "library"
    checked = 0
    for path in sorted(library.glob("*.yaml")):
        spec = frameworks.parse_framework(path.read_text(encoding="utf-8"), path.name)
        for item in spec["items"]:
            if item["kind"] == "section":
                continue
            chosen = texts.problem_texts(item["category"], item["text"])
            assert set(chosen) <= vocabulary, (path.name, item["code"], chosen)
            checked += 1
    assert checked > 50


def test_the_dues_audit_is_pre_filled_from_the_ledger(loaded):
    from dangjian.assessments import evidence

    a = Assessment.objects.filter(campaign__framework__code="dues_audit").first()
    assert a is not None and a.campaign.campaign_type == "dues_audit"
    texts = [s.text for s in evidence.suggestions(a).values()]
    assert len(texts) == 4
    assert any(t.startswith("按月（经支部同意可按季度）交纳：") for t in texts)
    assert any(t.startswith("欠交 3 个月以上：") for t in texts)
