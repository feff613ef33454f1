"""Filters of the member-account list: name, subtree, whether an account is open."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import IdFilter
from dangjian.members.filtersets import ALL, name_q
from dangjian.orgs.models import Organization

from .models import MemberAccount


class MemberAccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("姓名"), help_text=_("姓名或拼音首字母")
    )
    # An id, not a select of every org: the open page's drill-down links here.
    within = IdFilter(method="filter_within", label=_("党组织（含下级）"))
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

    def filter_within(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        org = Organization.objects.restrict(user, "view").filter(pk=value).first()
        return queryset.within(org) if org is not None else queryset.none()

    def filter_opened(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(account__isnull=False)
        if value == "no":
            return queryset.filter(account__isnull=True)
        if value == "initial":
            return queryset.filter(account__must_change_password=True)
        return queryset
