"""Metrics of 督查考评 (seed-figures.md rows 4, 7, 13, 14, 16; rectification closure).

Which campaigns belong to a year: those whose period overlaps it — the same rule as the
negative list (`negative_list.campaign_year_q`), so a year's figures and its 负面清单 page
always speak of the same campaigns. A campaign running over the new year counts in both
years' figures; the demo's and most real campaigns lie within one year.

What counts as assessed: an assessment whose status is 已完成 (done). A drawn target not
yet checked is not "抽查调阅 of" it, so a campaign still in progress counts only its
finished targets.

A "unit" (单位) is identified by the depth-2 prefix of the target's path: the unit-level
org itself, or the unit a 党组, 党委, 党支部 … belongs to (the same rule as the activity
metrics). The target may be either, and a unit checked twice counts once.

Assessments are restricted by `Assessment.objects.restrict` (the campaign owner's side
always, the checked org's side once results are released), `within` by the target's path;
findings and rectifications by the org with the problem.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import Substr

from dangjian.core.metrics import MetricScope, metric
from dangjian.orgs.models import Organization, OrgKind

from . import negative_list as nl
from .models import (
    Assessment,
    AssessmentStatus,
    CampaignType,
    Finding,
    Rectification,
    RectificationStatus,
)
from .negative_list import campaign_year_q, year_q

# Framework codes of the shipped library (library/*.yaml).
STUDY_FRAMEWORK = "central_group_study"
BASIC_SYSTEM_FRAMEWORK = "basic_system"
# A unit is identified by its unit-level org: the depth-2 prefix of any org path below it.
UNIT_PREFIX = 2 * Organization.steplen
REVIEWED_KINDS = (OrgKind.BRANCH, OrgKind.PARTY_GROUP)


def _year(scope: MetricScope) -> tuple[dt.date, dt.date]:
    return dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)


def done_assessments(scope: MetricScope, campaign_type: str, framework_code: str | None = None):
    """Finished assessments of the year's campaigns of one type (and framework), as the
    scope's user sees them."""
    qs = Assessment.objects.filter(
        campaign_year_q(scope.year),
        status=AssessmentStatus.DONE,
        campaign__campaign_type=campaign_type,
    )
    if framework_code is not None:
        qs = qs.filter(campaign__framework__code=framework_code)
    return scope.restrict(qs)


def distinct_units(assessments) -> int:
    """Units among the assessments' targets (the 工委 itself, depth 1, is no unit)."""
    return (
        assessments.filter(target__depth__gte=2)
        .annotate(unit_path=Substr("target__path", 1, UNIT_PREFIX))
        .order_by()
        .values("unit_path")
        .distinct()
        .count()
    )


def _by_target(qs):
    return (
        qs.select_related("target", "campaign")
        .defer("campaign__sampling_plan")
        .order_by("target__path", "campaign_id")
    )


# --- 4: 中心组学习 抽查调阅 --------------------------------------------------------------
def _study_reviews(scope: MetricScope):
    return done_assessments(scope, CampaignType.SAMPLED_REVIEW, STUDY_FRAMEWORK)


@metric(
    "supervision.study_review_units",
    "理论学习中心组学习情况抽查调阅单位数",
    "家",
    drilldown=lambda scope: _by_target(_study_reviews(scope)),
    description="检查期间与当年有交叉的、使用“理论学习中心组学习”模板的抽查调阅中已完成检查的市直单位（按单位去重）。",
)
def study_review_units(scope: MetricScope) -> int:
    return distinct_units(_study_reviews(scope))


# --- 13: 基础制度落实 抽查调阅 -------------------------------------------------------------
def _basic_system_reviews(scope: MetricScope):
    return done_assessments(scope, CampaignType.SAMPLED_REVIEW, BASIC_SYSTEM_FRAMEWORK).filter(
        target__kind__in=REVIEWED_KINDS
    )


@metric(
    "supervision.basic_system_reviewed_orgs",
    "基础制度落实情况抽查调阅的党支部和党小组数",
    "个",
    drilldown=lambda scope: _by_target(_basic_system_reviews(scope)),
    description="检查期间与当年有交叉的、使用“基础制度落实”模板的抽查调阅中已完成检查的党支部和党小组（去重）。",
)
def basic_system_reviewed_orgs(scope: MetricScope) -> int:
    return _basic_system_reviews(scope).order_by().values("target_id").distinct().count()


# --- 16: 明察暗访 -----------------------------------------------------------------------
def _unannounced(scope: MetricScope):
    return done_assessments(scope, CampaignType.UNANNOUNCED_INSPECTION)


@metric(
    "supervision.unannounced_units",
    "纪律作风明察暗访抽查单位数",
    "家",
    drilldown=lambda scope: _by_target(_unannounced(scope)),
    description="检查期间与当年有交叉的明察暗访中已完成检查的市直单位（按单位去重）。",
)
def unannounced_units(scope: MetricScope) -> int:
    return distinct_units(_unannounced(scope))


# --- 7: 模范机关 -----------------------------------------------------------------------
def _model_organ_passed(scope: MetricScope):
    return done_assessments(scope, CampaignType.MODEL_ORGAN).filter(passed=True)


@metric(
    "evaluation.model_organ_passed",
    "达到模范机关建设标准的单位数",
    "家",
    drilldown=lambda scope: _by_target(_model_organ_passed(scope)),
    description="检查期间与当年有交叉的模范机关评估中评估完成且达标的市直单位（按单位去重）。",
)
def model_organ_passed(scope: MetricScope) -> int:
    return distinct_units(_model_organ_passed(scope))


@metric(
    "evaluation.model_organ_assessed",
    "参加模范机关评估的单位数",
    "家",
    drilldown=lambda scope: _by_target(done_assessments(scope, CampaignType.MODEL_ORGAN)),
    description="检查期间与当年有交叉的模范机关评估中评估完成的市直单位（按单位去重，含未达标的）。",
)
def model_organ_assessed(scope: MetricScope) -> int:
    return distinct_units(done_assessments(scope, CampaignType.MODEL_ORGAN))


# --- findings, the negative list (14) and rectification ------------------------------
def _findings(scope: MetricScope, **filters):
    """Findings of the year's campaigns, or free-standing ones found in the year (the
    negative list's selection)."""
    return scope.restrict(Finding.objects.filter(year_q(scope.year), **filters))


def _negative_list_findings(scope: MetricScope):
    """The findings of the negative list page's default selection (row 14): the year's
    抽查调阅 (`negative_list.DEFAULT_CAMPAIGN_TYPE`), as the scope's user sees them."""
    return nl.findings(
        scope.user, year=scope.year, campaign_type=nl.DEFAULT_CAMPAIGN_TYPE, within=scope.within
    )


@metric(
    "supervision.negative_list",
    "负面清单问题类别数",
    "类",
    drilldown=lambda scope: _negative_list_findings(scope).order_by("category", "org__path"),
    description=(
        "当年抽查调阅发现的问题，问题类型按考评模板的问题分类统计的类别数，与“负面清单”页面默认范围"
        "（当年、抽查调阅）一致；清单本身（各类问题数、涉及组织占比、典型问题）见该页面及其导出。"
    ),
)
def negative_list(scope: MetricScope) -> int:
    categories = (
        _negative_list_findings(scope).order_by().values_list("category", flat=True).distinct()
    )
    return nl.count_categories(categories)


@metric(
    "supervision.findings_count",
    "督查考评发现问题数",
    "个",
    drilldown=lambda scope: _findings(scope).order_by("-found_on", "-id"),
    description="检查期间与当年有交叉的各类督查活动发现的问题，以及当年录入的不属于督查活动的问题。",
)
def findings_count(scope: MetricScope) -> int:
    return _findings(scope).count()


def _due(scope: MetricScope):
    return scope.restrict(Rectification.objects.filter(deadline__range=_year(scope)))


@metric(
    "supervision.rectification_closure_rate",
    "整改销号率",
    "%",
    drilldown=lambda scope: _due(scope).exclude(status=RectificationStatus.CLOSED),
    description="整改时限在当年的整改事项中已销号的比例（截至目前）；下钻列出尚未销号的。",
)
def rectification_closure_rate(scope: MetricScope) -> float | None:
    due = _due(scope)
    counts = due.order_by().aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED))
    )
    if not counts["total"]:
        return None
    return round(100 * counts["closed"] / counts["total"], 1)


def _overdue(scope: MetricScope):
    """Due in the year and overdue today (`Rectification.objects.overdue`)."""
    return scope.restrict(Rectification.objects.overdue().filter(deadline__range=_year(scope)))


@metric(
    "supervision.overdue_rectifications",
    "逾期未整改问题数",
    "个",
    drilldown=lambda scope: _overdue(scope).order_by("deadline", "id"),
    description="整改时限在当年且已过期、至今仍待整改或被退回的整改事项。",
)
def overdue_rectifications(scope: MetricScope) -> int:
    return _overdue(scope).count()
