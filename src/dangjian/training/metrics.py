"""Training-class metrics (issue 13, item 7: night-school enrolment), one query each.

Classes are counted by the org that held them, enrolments by the member's org — like the
activities app's `training.*` figures, which count people where they belong. Both read
only the user's own subtree (`holding`), not the classes held above it that a unit may
see to enrol in.
"""

from __future__ import annotations

from dangjian.core.metrics import MetricScope, metric

from .models import Enrolment, EnrolmentStatus, TrainingClass


def _classes(scope: MetricScope, **filters):
    qs = TrainingClass.objects.holding(scope.user, "training.view_trainingclass").filter(
        year=scope.year, **filters
    )
    return qs.within(scope.within) if scope.within is not None else qs


def _enrolments(scope: MetricScope, **filters):
    qs = Enrolment.objects.holding(scope.user, "training.view_enrolment").filter(
        training_class__year=scope.year, status=EnrolmentStatus.ENROLLED, **filters
    )
    return qs.within(scope.within) if scope.within is not None else qs


def _night_school(scope: MetricScope):
    return _classes(scope, in_night_school=True)


def _night_school_enrolments(scope: MetricScope):
    return _enrolments(scope, training_class__in_night_school=True)


@metric(
    "training.classes",
    "举办培训班数",
    "个",
    drilldown=_classes,
    description="当年开班的培训班（示范培训班、轮训班、夜校课程等），按举办党组织统计。",
)
def classes(scope: MetricScope) -> int:
    return _classes(scope).count()


@metric(
    "training.night_school_courses",
    "机关夜校课程数",
    "门",
    drilldown=_night_school,
    description="当年开班、属于机关夜校的课程（声乐班、讲堂、研修班等）。",
)
def night_school_courses(scope: MetricScope) -> int:
    return _night_school(scope).count()


@metric(
    "training.class_enrolments",
    "培训班报名人次",
    "人次",
    drilldown=_enrolments,
    description="当年开班的培训班的有效报名（不含已退出），按党员所在党组织统计。",
)
def class_enrolments(scope: MetricScope) -> int:
    return _enrolments(scope).count()


@metric(
    "training.night_school_enrolments",
    "机关夜校报名人次",
    "人次",
    drilldown=_night_school_enrolments,
    description="当年机关夜校各门课程的有效报名（不含已退出），按党员所在党组织统计。",
)
def night_school_enrolments(scope: MetricScope) -> int:
    return _night_school_enrolments(scope).count()
