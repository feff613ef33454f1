"""/api/recruitment/plans/: the 年度发展计划, read only (set on the yearly page, which sets a
unit's whole year at once through `plans.set_plans`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer, ScopedModelViewSet
from dangjian.core.filters import YearFilter
from dangjian.members.filtersets import WithinFilterSet

from ..models import RecruitmentPlan


class PlanSerializer(ScopedModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = RecruitmentPlan
        fields = ["id", "org", "org_name", "year", "planned", "note"]


class PlanApiFilterSet(WithinFilterSet):
    year = YearFilter(lookup_expr="exact", label=_("年度"))

    class Meta:
        model = RecruitmentPlan
        fields = ["year"]


class PlanViewSet(ScopedModelViewSet):
    queryset = RecruitmentPlan.objects.select_related("org")
    serializer_class = PlanSerializer
    filterset_class = PlanApiFilterSet
    http_method_names = ["get", "head", "options"]
