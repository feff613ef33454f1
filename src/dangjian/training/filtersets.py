"""Filters shared by the training pages, exports and the API (bounded numbers, org picker)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.activities.models import TrainingType
from dangjian.core.filters import IdFilter, YearFilter
from dangjian.members.filtersets import WithinFilterSet, name_q

from .models import Enrolment, EnrolmentStatus, TrainingClass


class TrainingClassFilterSet(WithinFilterSet):
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", label=_("名称"), max_length=64
    )
    year = YearFilter(field_name="year", lookup_expr="exact", label=_("年度"))
    training_type = django_filters.ChoiceFilter(choices=TrainingType.choices, label=_("培训类型"))
    in_night_school = django_filters.BooleanFilter(label=_("夜校课程"))
    enrolment_open = django_filters.BooleanFilter(label=_("接受报名"))

    class Meta:
        model = TrainingClass
        fields = ["q", "year", "training_type", "in_night_school", "enrolment_open"]


class EnrolmentFilterSet(WithinFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("姓名"), max_length=32)
    training_class = IdFilter(field_name="training_class_id", label=_("培训班"))
    member = IdFilter(field_name="member_id", label=_("党员"))
    year = YearFilter(field_name="training_class__year", lookup_expr="exact", label=_("年度"))
    status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices, label=_("状态"))

    class Meta:
        model = Enrolment
        fields = ["q", "training_class", "member", "year", "status"]

    def filter_q(self, queryset, name, value):
        from dangjian.members.models import Member

        return queryset.filter(member__in=Member.objects.filter(name_q(value)).values("pk"))
