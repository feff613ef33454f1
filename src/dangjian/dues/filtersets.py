"""Filters shared by the dues pages and the API (range-checked numbers, the org picker)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import BoundedNumberFilter, IdFilter, YearFilter
from dangjian.members.filtersets import WithinFilterSet, name_q

from .models import DuesBase, DuesCategory, DuesDue, DuesPayment, DuesReduction, DuesRemittance


class _MemberName(WithinFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("姓名"), max_length=32)

    def filter_q(self, queryset, name, value):
        from dangjian.members.models import Member

        return queryset.filter(member__in=Member.objects.filter(name_q(value)).values("pk"))


class DuesBaseFilterSet(_MemberName):
    year = YearFilter(field_name="year", lookup_expr="exact", label=_("年度"), min_year=2008)
    category = django_filters.ChoiceFilter(choices=DuesCategory.choices, label=_("交纳类别"))
    member = IdFilter(field_name="member_id", label=_("党员"))

    class Meta:
        model = DuesBase
        fields = ["year", "category", "member"]


class DuesPaymentFilterSet(_MemberName):
    year = YearFilter(field_name="paid_on", label=_("交纳年度"), min_year=2008)
    member = IdFilter(field_name="member_id", label=_("党员"))
    back_payment = django_filters.BooleanFilter(label=_("补交"))
    central = django_filters.BooleanFilter(label=_("全额上缴中央"))

    class Meta:
        model = DuesPayment
        fields = ["year", "member", "back_payment", "central"]


class DuesDueFilterSet(_MemberName):
    year = YearFilter(field_name="month", label=_("年度"), min_year=2008)
    month = BoundedNumberFilter(field_name="month", lookup_expr="month", min_value=1, max_value=12)
    member = IdFilter(field_name="member_id", label=_("党员"))
    unpaid = django_filters.BooleanFilter(
        field_name="payment", lookup_expr="isnull", label=_("未交")
    )

    class Meta:
        model = DuesDue
        fields = ["year", "month", "member", "unpaid"]


class DuesReductionFilterSet(_MemberName):
    approved = django_filters.BooleanFilter(
        field_name="approved_on", lookup_expr="isnull", exclude=True, label=_("已批准")
    )

    class Meta:
        model = DuesReduction
        fields = ["kind", "approved"]


class DuesRemittanceFilterSet(WithinFilterSet):
    year = YearFilter(field_name="remitted_on", label=_("上缴年度"), min_year=2008)
    received = django_filters.BooleanFilter(
        field_name="received_on", lookup_expr="isnull", exclude=True, label=_("已确认接收")
    )

    class Meta:
        model = DuesRemittance
        fields = ["year", "received"]


class ArrearsFilterSet(WithinFilterSet):
    """The arrears list: `within` an org, at least `months` unpaid months."""

    months = BoundedNumberFilter(
        method="filter_months", min_value=1, max_value=240, label=_("欠交至少（个月）")
    )

    class Meta:
        model = DuesDue
        fields: list[str] = []

    def filter_months(self, queryset, name, value):
        return queryset  # applied on the grouped rows (views.ArrearsView)
