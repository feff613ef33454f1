"""发展党员 metrics, each one set-based query through `MetricScope.restrict`.

Counted by the applicant's org (the branch that handles the person):
- `recruitment.applicants`: 入党申请人 on 31 December — applied by then, not admitted
  (no 支部大会 step by then) and not closed by then (activists and candidates included,
  as the 党内统计公报 counts them);
- `recruitment.activists`: 入党积极分子 on 31 December — determined (step 3) by then, not
  yet 发展对象 (step 7), not closed;
- `recruitment.admitted`: 发展党员 in the year — 支部大会 (step 15) dated in the year;
- `recruitment.converted`: 转正 in the year — 上级党委审批转正 (step 24) dated in the year.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from dangjian.core.metrics import MetricScope, metric

from .models import Applicant, RecruitmentStep, Step


def _year_end(scope: MetricScope) -> dt.date:
    return dt.date(scope.year, 12, 31)


def _step_by(step: int, day: dt.date):
    return Exists(
        RecruitmentStep.objects.filter(applicant=OuterRef("pk"), step=step, done_on__lte=day)
    )


def _open_at(scope: MetricScope):
    end = _year_end(scope)
    return scope.restrict(
        Applicant.objects.filter(applied_on__lte=end).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=end)
        )
    )


def _applicants(scope: MetricScope):
    return _open_at(scope).exclude(_step_by(Step.ADMISSION, _year_end(scope)))


def _activists(scope: MetricScope):
    end = _year_end(scope)
    return (
        _open_at(scope).filter(_step_by(Step.ACTIVIST, end)).exclude(_step_by(Step.CANDIDATE, end))
    )


def _with_step_in_year(scope: MetricScope, step: int):
    start, end = dt.date(scope.year, 1, 1), _year_end(scope)
    return scope.restrict(
        Applicant.objects.filter(
            Exists(
                RecruitmentStep.objects.filter(
                    applicant=OuterRef("pk"), step=step, done_on__range=(start, end)
                )
            )
        )
    )


def _admitted(scope: MetricScope):
    return _with_step_in_year(scope, Step.ADMISSION)


def _converted(scope: MetricScope):
    return _with_step_in_year(scope, Step.CONVERSION_APPROVAL)


@metric(
    "recruitment.applicants",
    "入党申请人数",
    "人",
    drilldown=_applicants,
    description="年末已递交入党申请书、尚未被支部大会接收为预备党员且未终止发展的人数（含入党积极分子和发展对象）。",
)
def applicants(scope: MetricScope) -> int:
    return _applicants(scope).count()


@metric(
    "recruitment.activists",
    "入党积极分子数",
    "人",
    drilldown=_activists,
    description="年末已确定为入党积极分子、尚未确定为发展对象且未终止发展的人数。",
)
def activists(scope: MetricScope) -> int:
    return _activists(scope).count()


@metric(
    "recruitment.admitted",
    "发展党员数",
    "人",
    drilldown=_admitted,
    description="当年支部大会讨论接收为预备党员的人数。",
)
def admitted(scope: MetricScope) -> int:
    return _admitted(scope).count()


@metric(
    "recruitment.converted",
    "预备党员转正数",
    "人",
    drilldown=_converted,
    description="当年经上级党委审批转为正式党员的人数。",
)
def converted(scope: MetricScope) -> int:
    return _converted(scope).count()
