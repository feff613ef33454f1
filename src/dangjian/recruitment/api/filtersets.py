"""API filters of recruitment (the pages have their own, `recruitment/filtersets.py`)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import BoundedNumberFilter, IdFilter, YearFilter
from dangjian.members.filtersets import WithinFilterSet, org_filter

from ..models import (
    Applicant,
    ApplicationFormNumber,
    ApplicationFormPool,
    PartyProbation,
    RecruitmentStep,
    Stage,
    StepAttachment,
)


class ApplicantApiFilterSet(WithinFilterSet):
    org = org_filter(label=_("所在党组织"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("发展阶段"))
    q = django_filters.CharFilter(method="filter_q", label=_("姓名"), max_length=32)
    closed = django_filters.BooleanFilter(
        field_name="closed_on", lookup_expr="isnull", exclude=True, label=_("已终止")
    )

    class Meta:
        model = Applicant
        fields = ["org", "stage"]

    def filter_q(self, queryset, name, value):
        # Names only (no ID number or phone lookup: that would be a reveal, decisions/0008).
        return queryset.filter(name__icontains=value) if value else queryset


class StepApiFilterSet(WithinFilterSet):
    applicant = IdFilter(field_name="applicant_id", label=_("入党申请人"))
    step = BoundedNumberFilter(min_value=1, max_value=25, label=_("步骤"))

    class Meta:
        model = RecruitmentStep
        fields = ["applicant", "step"]


class AttachmentApiFilterSet(WithinFilterSet):
    step = IdFilter(field_name="step_id", label=_("步骤"))

    class Meta:
        model = StepAttachment
        fields = ["step"]


class PoolApiFilterSet(WithinFilterSet):
    year = YearFilter(lookup_expr="exact", label=_("年度"))  # a number, not a date

    class Meta:
        model = ApplicationFormPool
        fields = ["year"]


class FormNumberApiFilterSet(WithinFilterSet):
    pool = IdFilter(field_name="pool_id", label=_("编号段"))
    applicant = IdFilter(field_name="applicant_id", label=_("入党申请人"))

    class Meta:
        model = ApplicationFormNumber
        fields = ["pool", "applicant"]


class PartyProbationApiFilterSet(WithinFilterSet):
    member = IdFilter(field_name="member_id", label=_("党员"))

    class Meta:
        model = PartyProbation
        fields = ["member"]
