"""Filters of the member-account list: name, subtree, whether an account is open."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.members.filtersets import ALL, name_q, org_filter

from .models import MemberAccount


class MemberAccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("姓名"), help_text=_("姓名或拼音首字母")
    )
    # The org picker (core.orgpicker), never a select of every org; the open page's
    # drill-down links here by id.
    within = org_filter(method="filter_within", label=_("党组织（含下级）"))
    opened = django_filters.ChoiceFilter(
        method="filter_opened",
        choices=[("yes", _("已开通")), ("no", _("未开通")), ("initial", _("未修改初始密码"))],
        label=_("账号"),
        empty_label=ALL,
    )

    class Meta:
        model = MemberAccount
        fields = ["q", "within", "opened"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name_q(value)) if value else queryset

    def filter_within(self, queryset, name, org):
        return queryset.within(org)  # `org` is one the user may view (org_filter's queryset)

    def filter_opened(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(account__isnull=False)
        if value == "no":
            return queryset.filter(account__isnull=True)
        if value == "initial":
            return queryset.filter(account__must_change_password=True)
        return queryset
