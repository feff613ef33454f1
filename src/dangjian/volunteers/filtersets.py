"""Filters shared by the list pages, their exports and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import IdFilter, YearFilter
from dangjian.members.filtersets import ALL, WithinFilterSet, org_filter

from .models import (
    Community,
    CommunityFeedback,
    CommunityRegistration,
    Rating,
    TaskForce,
    TaskForceKind,
)


def _active_in(queryset, year: int, start: str = "starts_on", end: str = "ends_on"):
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return queryset.filter(**{f"{start}__lte": last}).filter(
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    )


class CommunityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("社区、街道或区"))
    district = django_filters.CharFilter(label=_("所在区"))

    class Meta:
        model = Community
        fields = ["q", "district"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(street__icontains=value) | Q(district__icontains=value)
        )


class RegistrationFilterSet(WithinFilterSet):
    KINDS = (("org", _("党组织报到")), ("member", _("党员报到")))

    org = org_filter(label=_("党组织"))
    kind = django_filters.ChoiceFilter(
        choices=KINDS, method="filter_kind", label=_("报到类别"), empty_label=ALL
    )
    community = IdFilter(field_name="community_id", label=_("社区"))
    member = IdFilter(field_name="member_id", label=_("党员"))
    year = YearFilter(method="filter_year", label=_("年度（当年有效）"))

    class Meta:
        model = CommunityRegistration
        fields = ["within", "org", "kind", "community", "member", "year"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(member__isnull=value == "org")

    def filter_year(self, queryset, name, value):
        return _active_in(queryset, value)


class FeedbackFilterSet(WithinFilterSet):
    org = org_filter(label=_("被评价党组织"))
    community = IdFilter(field_name="community_id", label=_("社区"))
    year = YearFilter(lookup_expr="exact", label=_("年度"))
    rating = django_filters.ChoiceFilter(
        choices=Rating.choices, label=_("评价等次"), empty_label=ALL
    )

    class Meta:
        model = CommunityFeedback
        fields = ["within", "org", "community", "year", "rating"]


class TaskForceFilterSet(WithinFilterSet):
    org = org_filter(label=_("党组织"))
    kind = django_filters.ChoiceFilter(
        choices=TaskForceKind.choices, label=_("类别"), empty_label=ALL
    )
    year = YearFilter(method="filter_year", label=_("年度（当年在组）"))
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("名称或项目"))

    class Meta:
        model = TaskForce
        fields = ["within", "org", "kind", "year", "q"]

    def filter_year(self, queryset, name, value):
        return _active_in(queryset, value)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(project__icontains=value))
