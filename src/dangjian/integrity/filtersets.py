"""Filters shared by the register's list pages, exports and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import IdFilter, YearFilter
from dangjian.members.filtersets import WithinFilterSet

from .models import (
    Institution,
    InstitutionKind,
    Measure,
    RiskCategory,
    RiskLevel,
    RiskPoint,
    RiskPost,
    RiskReview,
    RiskSubmission,
)

ALL = _("全部")


class RiskReviewFilterSet(WithinFilterSet):
    year = YearFilter(field_name="year", lookup_expr="exact", label=_("年度"))
    closed = django_filters.BooleanFilter(label=_("已结束"))

    class Meta:
        model = RiskReview
        fields = ["year", "closed"]


class RiskSubmissionFilterSet(WithinFilterSet):
    year = YearFilter(field_name="review__year", lookup_expr="exact", label=_("年度"))
    review = IdFilter(field_name="review_id", label=_("排查"))
    submitted = django_filters.BooleanFilter(
        field_name="submitted_at", lookup_expr="isnull", exclude=True, label=_("已提交")
    )

    class Meta:
        model = RiskSubmission
        fields = ["year", "review", "submitted"]


class _RegisterRowFilterSet(WithinFilterSet):
    year = YearFilter(field_name="submission__review__year", lookup_expr="exact", label=_("年度"))
    submission = IdFilter(field_name="submission_id", label=_("排查填报"))


class RiskPointFilterSet(_RegisterRowFilterSet):
    level = django_filters.ChoiceFilter(
        choices=RiskLevel.choices, label=_("风险等级"), empty_label=ALL
    )
    category = django_filters.ChoiceFilter(
        choices=RiskCategory.choices, label=_("风险类别"), empty_label=ALL
    )
    post = django_filters.ChoiceFilter(choices=RiskPost.choices, label=_("岗位"), empty_label=ALL)
    q = django_filters.CharFilter(
        field_name="description", lookup_expr="icontains", label=_("描述含"), max_length=50
    )

    class Meta:
        model = RiskPoint
        fields = ["year", "submission", "level", "category", "post"]


class MeasureFilterSet(_RegisterRowFilterSet):
    risk_point = IdFilter(field_name="risk_points", label=_("风险点"))
    q = django_filters.CharFilter(
        field_name="description", lookup_expr="icontains", label=_("内容含"), max_length=50
    )

    class Meta:
        model = Measure
        fields = ["year", "submission", "risk_point"]


class InstitutionFilterSet(_RegisterRowFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=InstitutionKind.choices, label=_("类型"), empty_label=ALL
    )
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("名称含"), max_length=50
    )

    class Meta:
        model = Institution
        fields = ["year", "submission", "kind"]
