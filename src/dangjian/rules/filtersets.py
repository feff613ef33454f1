"""Exemption filters, shared by the list page and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import DateFilter, IdFilter
from dangjian.members.filtersets import WithinFilterSet, org_filter

from .forms import exemptible_rule_choices
from .models import RuleExemption


class RuleExemptionFilterSet(WithinFilterSet):
    org = org_filter(label=_("党组织"))
    rule_id = django_filters.ChoiceFilter(
        label=_("规则"), choices=exemptible_rule_choices, empty_label=_("全部")
    )
    active_on = DateFilter(method="filter_active_on", label=_("在该日有效"))
    member = IdFilter(field_name="member_id", label=_("党员"))

    class Meta:
        model = RuleExemption
        fields = ["within", "org", "rule_id", "member", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return (
            queryset.filter(starts_on__lte=value)
            .exclude(ends_on__lt=value)
            .exclude(expires_on__lt=value)
        )
