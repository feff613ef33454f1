"""Filters shared by the case and brand pages, their exports and the API (years range
checked, orgs through the one org picker)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import IdFilter, YearFilter
from dangjian.members.filtersets import WithinFilterSet, org_filter

from .models import (
    PROVINCIAL_LEVELS,
    YEAR_MIN,
    AwardLevel,
    Brand,
    BrandLevel,
    Case,
    CaseAward,
    CaseStatus,
    CaseType,
    Rating,
)

UNRATED = "unrated"
ALL = _("全部")


class CaseFilterSet(WithinFilterSet):
    year = YearFilter(field_name="year", lookup_expr="exact", label=_("年度"), min_year=YEAR_MIN)
    case_type = django_filters.ChoiceFilter(
        choices=CaseType.choices, label=_("类型"), empty_label=ALL
    )
    status = django_filters.ChoiceFilter(
        choices=CaseStatus.choices, label=_("状态"), empty_label=ALL
    )
    rating = django_filters.ChoiceFilter(
        choices=[*Rating.choices, (UNRATED, _("待评定（已提交）"))],
        method="filter_rating",
        label=_("评定等次"),
        empty_label=ALL,
    )
    provincial = django_filters.ChoiceFilter(
        choices=[("yes", _("是")), ("no", _("否"))],
        method="filter_provincial",
        label=_("获省级及以上奖项"),
        empty_label=ALL,
    )
    q = django_filters.CharFilter(method="filter_q", label=_("标题"), max_length=60)

    class Meta:
        model = Case
        fields = ["year", "case_type", "status"]

    def filter_rating(self, queryset, name, value):
        if value == UNRATED:
            return queryset.filter(status=CaseStatus.SUBMITTED, rating__isnull=True)
        return queryset.filter(rating__rating=value) if value else queryset

    def filter_provincial(self, queryset, name, value):
        if value not in ("yes", "no"):
            return queryset
        awarded = CaseAward.objects.filter(
            level__in=(*PROVINCIAL_LEVELS, AwardLevel.NATIONAL)
        ).values("case_id")
        if value == "yes":
            return queryset.filter(pk__in=awarded)
        return queryset.exclude(pk__in=awarded)

    def filter_q(self, queryset, name, value):
        return queryset.filter(title__icontains=value) if value else queryset


class CaseAwardFilterSet(WithinFilterSet):
    year = YearFilter(
        field_name="year", lookup_expr="exact", label=_("获奖年度"), min_year=YEAR_MIN
    )
    level = django_filters.ChoiceFilter(
        choices=AwardLevel.choices, label=_("授予层级"), empty_label=ALL
    )
    case = IdFilter(field_name="case_id", label=_("案例"))

    class Meta:
        model = CaseAward
        fields = ["year", "level", "case"]


class BrandFilterSet(WithinFilterSet):
    org = org_filter(label=_("所属党组织"))
    level = django_filters.ChoiceFilter(
        choices=BrandLevel.choices, method="filter_level", label=_("层级"), empty_label=ALL
    )
    established_year = YearFilter(
        field_name="established_year", lookup_expr="exact", label=_("创建年度"), min_year=1990
    )
    parent = IdFilter(field_name="parent_id", label=_("所属单位品牌"))
    q = django_filters.CharFilter(method="filter_q", label=_("品牌名称"), max_length=60)

    class Meta:
        model = Brand
        fields = ["org", "established_year", "parent"]

    def filter_level(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(parent__isnull=value == BrandLevel.UNIT)

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value) if value else queryset
