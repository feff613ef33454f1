"""Filters for campaigns, assessments, item results, findings and rectifications, shared by
the list pages and the API.

Org filters show the org picker (core.orgpicker, through orgs.filtersets.OrgField): for the
工委, listing all ≈ 2 200 orgs in `within` and `target` was most of the list pages' time
and weight. Any org the user can view still validates (the field's queryset is unchanged),
so links from an org page or a campaign still filter by a deeper org."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dangjian.core.filters import IdFilter, YearFilter
from dangjian.members.filtersets import ALL, WithinFilterSet
from dangjian.orgs.filtersets import OrgField

from .models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CampaignType,
    Finding,
    ItemResult,
    Rectification,
    RectificationStatus,
    ResultValue,
    Severity,
)


def visible_campaigns(request):
    return Campaign.objects.restrict(getattr(request, "user", None), "view").order_by(
        "-period_start", "-pk"
    )


def campaign_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    """A campaign id, accepted only when the user may see that campaign."""
    return extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            field_name=field_name, queryset=visible_campaigns, label=_("督查活动"), empty_label=ALL
        )
    )


OVERDUE_CHOICES = [("true", _("仅逾期")), ("false", _("未逾期"))]


class ScopedOrgFilterSet(WithinFilterSet):
    """`?within=<org id>` (the row's subtree), its select showing the upper levels only."""

    within = OrgField(method="filter_within", label=_("所属组织（含下级）"))


class CampaignFilterSet(ScopedOrgFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))
    campaign_type = django_filters.ChoiceFilter(
        choices=CampaignType.choices, label=_("督查类型"), empty_label=ALL
    )
    year = YearFilter(field_name="period_start", label=_("年度"))
    status = django_filters.ChoiceFilter(
        choices=CampaignStatus.choices, label=_("状态"), empty_label=ALL
    )

    class Meta:
        model = Campaign
        fields = ["q", "campaign_type", "year", "status", "within"]


class AssessmentFilterSet(ScopedOrgFilterSet):
    campaign = campaign_filter("campaign")
    target = OrgField(label=_("检查对象"))
    status = django_filters.ChoiceFilter(
        choices=AssessmentStatus.choices, label=_("状态"), empty_label=ALL
    )

    class Meta:
        model = Assessment
        fields = ["campaign", "status", "within", "target"]


class ItemResultFilterSet(ScopedOrgFilterSet):
    assessment = IdFilter(field_name="assessment_id", label=_("检查对象"))
    campaign = campaign_filter("assessment__campaign")
    result = django_filters.ChoiceFilter(
        choices=ResultValue.choices, label=_("结果"), empty_label=ALL
    )
    item = django_filters.CharFilter(field_name="item__code", label=_("条目编号"))

    class Meta:
        model = ItemResult
        fields = ["assessment", "campaign", "result", "item", "within"]


class FindingFilterSet(ScopedOrgFilterSet):
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", label=_("问题描述"))
    campaign = campaign_filter("campaign")
    category = django_filters.CharFilter(field_name="category", label=_("问题类别"))
    severity = django_filters.ChoiceFilter(
        choices=Severity.choices, label=_("严重程度"), empty_label=ALL
    )
    year = YearFilter(field_name="found_on", label=_("年度"))
    rectification_status = django_filters.ChoiceFilter(
        field_name="rectification__status",
        choices=RectificationStatus.choices,
        label=_("整改状态"),
        empty_label=ALL,
    )

    class Meta:
        model = Finding
        fields = ["q", "campaign", "category", "severity", "year", "rectification_status", "within"]


class RectificationFilterSet(ScopedOrgFilterSet):
    status = django_filters.ChoiceFilter(
        choices=RectificationStatus.choices, label=_("状态"), empty_label=ALL
    )
    campaign = campaign_filter("finding__campaign")
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue", choices=OVERDUE_CHOICES, label=_("是否逾期"), empty_label=ALL
    )

    class Meta:
        model = Rectification
        fields = ["status", "campaign", "overdue", "within"]

    def filter_overdue(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        return queryset.overdue() if value == "true" else queryset.not_overdue()
