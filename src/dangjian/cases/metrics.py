"""Case and brand metrics (seed-figures rows 8 and 9, issue 13), each with the records
behind its number."""

from __future__ import annotations

from django.db.models import Q

from dangjian.core.metrics import MetricScope, metric

from .models import PROVINCIAL_LEVELS, Brand, Case, CaseAward, CaseStatus, Rating


def _excellent(scope: MetricScope):
    return scope.restrict(Case.objects.filter(year=scope.year, rating__rating=Rating.EXCELLENT))


@metric(
    "evaluation.excellent_cases",
    "获评工委优秀案例数",
    "项",
    drilldown=_excellent,
    description="当年度报送、经工委评定为“优秀案例”的创新案例和研究课题。",
)
def excellent_cases(scope: MetricScope) -> int:
    return _excellent(scope).count()


def _provincial(scope: MetricScope):
    awarded = CaseAward.objects.filter(year=scope.year, level__in=PROVINCIAL_LEVELS)
    return scope.restrict(Case.objects.filter(pk__in=awarded.values("case_id")))


@metric(
    "evaluation.provincial_case_awards",
    "获省级奖项案例数",
    "项",
    drilldown=_provincial,
    description="当年获得省直机关工委或省级奖项（如“二等奖案例”“优秀案例”）的案例，一个案例计一项。",
)
def provincial_case_awards(scope: MetricScope) -> int:
    return _provincial(scope).count()


def _submitted(scope: MetricScope):
    return scope.restrict(Case.objects.filter(year=scope.year, status=CaseStatus.SUBMITTED))


@metric(
    "cases.submitted",
    "报送创新案例数",
    "项",
    drilldown=_submitted,
    description="当年度各单位已提交工委的创新案例和研究课题（不含草稿）。",
)
def submitted(scope: MetricScope) -> int:
    return _submitted(scope).count()


def _brands(scope: MetricScope):
    return scope.restrict(Brand.objects.filter(established_year__lte=scope.year))


@metric(
    "cases.brands",
    "党建品牌数",
    "个",
    drilldown=_brands,
    description="截至当年已创建的党建品牌（单位品牌和支部品牌，1+N）。",
)
def brands(scope: MetricScope) -> int:
    return _brands(scope).count()


def _unit_brands(scope: MetricScope):
    return _brands(scope).filter(Q(parent__isnull=True))


@metric(
    "cases.unit_brands",
    "已建单位品牌的单位数",
    "个",
    drilldown=_unit_brands,
    description="截至当年已创建单位品牌（1+N 中的“1”）的机关党组织。",
)
def unit_brands(scope: MetricScope) -> int:
    return _unit_brands(scope).count()
