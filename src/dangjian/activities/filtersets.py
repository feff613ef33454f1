"""Activity and participation filters, shared by the list page, the export and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import DateFilter, IdFilter, YearFilter
from dangjian.members.filtersets import ALL, WithinFilterSet, org_filter
from dangjian.orgs.filtersets import OrgField

from .models import Activity, ActivityKind, Participation, ParticipationStatus, Tag


class ActivityFilterSet(WithinFilterSet):
    """The org filters show the org picker (core.orgpicker): for the 工委 listing all
    ≈ 2 200 orgs twice was most of the list page's time; any visible org id validates."""

    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("主题"))
    within = OrgField(method="filter_within", label=_("所属组织（含下级）"))
    org = OrgField(label=_("党组织"))
    kind = django_filters.ChoiceFilter(
        choices=ActivityKind.choices, label=_("活动类型"), empty_label=ALL
    )
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="code",
        field_name="tags",
        label=_("标签"),
        empty_label=ALL,
    )
    date_after = DateFilter(field_name="held_on", lookup_expr="gte", label=_("召开日期起"))
    date_before = DateFilter(field_name="held_on", lookup_expr="lte", label=_("召开日期止"))
    year = YearFilter(field_name="held_on", label=_("年度"))
    member = IdFilter(method="filter_member", label=_("参加党员"))
    planned = django_filters.BooleanFilter(
        field_name="held_on", lookup_expr="isnull", label=_("仅计划（未召开）")
    )

    class Meta:
        model = Activity
        fields = [
            "q",
            "within",
            "org",
            "kind",
            "tag",
            "date_after",
            "date_before",
            "year",
            "member",
            "planned",
        ]

    def filter_member(self, queryset, name, value):
        # Who took part is attendance: matched only through the participations the user may
        # read, so the filter is no oracle for a member who sees activities but not who came.
        user = getattr(self.request, "user", None)
        seen = Participation.objects.restrict(user, "view").filter(member_id=value)
        return queryset.filter(pk__in=seen.values("activity_id"))


class ParticipationFilterSet(WithinFilterSet):
    activity = IdFilter(field_name="activity_id", label=_("活动"))
    member = IdFilter(field_name="member_id", label=_("党员"))
    org = org_filter(field_name="activity__org", label=_("党组织"))
    status = django_filters.ChoiceFilter(
        choices=ParticipationStatus.choices, label=_("参加情况"), empty_label=ALL
    )
    kind = django_filters.ChoiceFilter(
        field_name="activity__kind", choices=ActivityKind.choices, label=_("活动类型")
    )
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="code",
        field_name="activity__tags",
        label=_("标签"),
    )
    date_after = DateFilter(
        field_name="activity__held_on", lookup_expr="gte", label=_("召开日期起")
    )
    date_before = DateFilter(
        field_name="activity__held_on", lookup_expr="lte", label=_("召开日期止")
    )
    year = YearFilter(field_name="activity__held_on", label=_("年度"))

    class Meta:
        model = Participation
        fields = [
            "within",
            "activity",
            "member",
            "org",
            "status",
            "kind",
            "tag",
            "date_after",
            "date_before",
            "year",
        ]
