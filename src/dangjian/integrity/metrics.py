"""廉政风险 metrics by the round's year (seed-figures rows 17–19, issue 13)."""

from __future__ import annotations

from dangjian.core.metrics import MetricScope, metric

from .models import Institution, Measure, RiskPoint, RiskSubmission


def _points(scope: MetricScope):
    return scope.restrict(RiskPoint.objects.filter(submission__review__year=scope.year))


def _measures(scope: MetricScope):
    return scope.restrict(Measure.objects.filter(submission__review__year=scope.year))


def _institutions(scope: MetricScope):
    return scope.restrict(Institution.objects.filter(submission__review__year=scope.year))


def _registers(scope: MetricScope):
    return scope.restrict(RiskSubmission.objects.filter(review__year=scope.year))


@metric(
    "integrity.risk_points",
    "廉政风险点",
    "个",
    drilldown=_points,
    description="当年廉政风险排查中各单位登记的风险点（按岗位查找，分高、中、低三级）。",
)
def risk_points(scope: MetricScope) -> int:
    return _points(scope).count()


@metric(
    "integrity.measures",
    "廉政风险防控措施",
    "条",
    drilldown=_measures,
    description="当年廉政风险排查中针对风险点制定的防控措施。",
)
def measures(scope: MetricScope) -> int:
    return _measures(scope).count()


@metric(
    "integrity.institutions",
    "建立、修订廉政制度",
    "项",
    drilldown=_institutions,
    description="当年廉政风险排查中各单位新建或修订的制度。",
)
def institutions(scope: MetricScope) -> int:
    return _institutions(scope).count()


@metric(
    "integrity.review_coverage",
    "廉政风险排查提交率",
    "%",
    drilldown=lambda scope: _registers(scope).filter(submitted_at__isnull=True),
    description="当年廉政风险排查中已提交填报的单位占应填报单位的比例；明细为未提交的单位。",
)
def review_coverage(scope: MetricScope) -> float | None:
    registers = _registers(scope)
    total = registers.count()
    if not total:
        return None
    done = registers.filter(submitted_at__isnull=False).count()
    return round(100 * done / total, 1)
