"""Activity and participation filters, shared by the list page, the export and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.core.api_views import YEAR_MAX, YEAR_MIN
from dangjian.members.filtersets import ALL, WithinFilterSet, org_filter
from dangjian.orgs.filtersets import OrgField, ShortOrgSelects

from .models import Activity, ActivityKind, Participation, ParticipationStatus, Tag


def year_in_range(value) -> None:
    year = getattr(value, "year", value)
    if year is not None and not YEAR_MIN <= int(year) <= YEAR_MAX:
        raise ValidationError(
            f"年份 {int(year)} 超出范围：请填写 {YEAR_MIN} 至 {YEAR_MAX} 年之间的日期或年份。"
        )


DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def _date_filter(field: str, lookup: str, label) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr=lookup,
        label=label,
        widget=DATE_WIDGET,
        validators=[year_in_range],
        error_messages={"invalid": "日期格式不正确，请写作 2024-01-31。"},
    )


def _year_filter(field: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(
        field_name=field,
        lookup_expr="year",
        label=_("年度"),
        validators=[year_in_range],
        error_messages={"invalid": "年度应为整数，例如 2024。"},
    )


class ActivityFilterSet(ShortOrgSelects, WithinFilterSet):
    """The org selects offer the user's upper levels (orgs.filtersets.ShortOrgSelects): for
    the 工委 listing all ≈ 2 200 orgs twice was most of the list page's time; any visible
    org id still validates."""

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
    date_after = _date_filter("held_on", "gte", _("召开日期起"))
    date_before = _date_filter("held_on", "lte", _("召开日期止"))
    year = _year_filter("held_on")
    member = django_filters.NumberFilter(
        field_name="participations__member_id", label=_("参加党员"), distinct=True
    )
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


class ParticipationFilterSet(WithinFilterSet):
    activity = django_filters.NumberFilter(field_name="activity_id", label=_("活动"))
    member = django_filters.NumberFilter(field_name="member_id", label=_("党员"))
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
    date_after = _date_filter("activity__held_on", "gte", _("召开日期起"))
    date_before = _date_filter("activity__held_on", "lte", _("召开日期止"))
    year = _year_filter("activity__held_on")

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
