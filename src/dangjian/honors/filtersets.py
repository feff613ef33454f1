"""Honors filters, shared by the list pages, the exports and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import IdFilter, YearFilter
from dangjian.members.filtersets import WithinFilterSet, org_filter

from . import titles
from .models import Honor, HonorLevel, HonorRound, Nomination, NominationStatus

ALL = _("全部")


class HonorRoundFilterSet(django_filters.FilterSet):
    year = YearFilter(lookup_expr="exact", label=_("年度"))
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = HonorRound
        fields = ["year", "q"]


class NominationFilterSet(WithinFilterSet):
    round = IdFilter(field_name="round_id", label=_("评选"))
    org = org_filter(label=_("推荐单位"))
    title = django_filters.ChoiceFilter(choices=titles.choices, label=_("称号"), empty_label=ALL)
    status = django_filters.ChoiceFilter(
        choices=NominationStatus.choices, label=_("状态"), empty_label=ALL
    )
    year = YearFilter(field_name="round__year", lookup_expr="exact", label=_("年度"))

    class Meta:
        model = Nomination
        fields = ["round", "within", "org", "title", "status", "year"]


class HonorFilterSet(WithinFilterSet):
    year = YearFilter(lookup_expr="exact", label=_("年度"))
    title = django_filters.ChoiceFilter(choices=titles.choices, label=_("称号"), empty_label=ALL)
    level = django_filters.ChoiceFilter(
        choices=HonorLevel.choices, label=_("级别"), empty_label=ALL
    )
    recipient = django_filters.ChoiceFilter(
        choices=[("member", _("党员")), ("org", _("党组织"))],
        method="filter_recipient",
        label=_("表彰对象"),
        empty_label=ALL,
    )
    member = IdFilter(field_name="member_id", label=_("党员"))
    org = org_filter(label=_("党组织"))

    class Meta:
        model = Honor
        fields = ["within", "year", "title", "level", "recipient", "org", "member"]

    def filter_recipient(self, queryset, name, value):
        return queryset.filter(member__isnull=value == "org")
