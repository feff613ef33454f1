"""Member filters, shared by the list page, the export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dangjian.core.bounds import HISTORY_YEAR_MIN
from dangjian.core.db import in_subquery_first, path_prefix_q
from dangjian.core.filters import IdFilter, YearFilter
from dangjian.core.orgpicker import ORG_ERRORS, OrgPicker
from dangjian.core.scoping import perm_name
from dangjian.orgs.models import Organization

from . import identifiers
from .models import (
    Category,
    Exemption,
    Exit,
    ExitKind,
    Gender,
    Member,
    MembershipState,
    MemberStatus,
    Transfer,
)

ALL = _("全部")
LEFT_THE_PARTY = "left"


def visible_orgs(request):
    """Org choices: only the user's own subtree(s), so a filter cannot probe other orgs."""
    user = getattr(request, "user", None)
    return Organization.objects.restrict(user, "view")


def name_q(value: str) -> Q:
    """Name by characters or pinyin initials."""
    q = Q(name__icontains=value)
    if value.isascii() and value.isalpha():
        q |= Q(name_initials__startswith=value.lower())
    return q


def org_filter(**kwargs) -> django_filters.ModelChoiceFilter:
    """An org id (documented as an integer) accepted only when it lies in the user's scope;
    the page shows the org picker (core.orgpicker), never a select of every org."""
    return extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            queryset=visible_orgs,
            empty_label=ALL,
            widget=OrgPicker(),
            error_messages=ORG_ERRORS,
            **kwargs,
        )
    )


class WithinFilterSet(django_filters.FilterSet):
    """`?within=<org id>`: rows in that org's whole subtree (path prefix)."""

    within = org_filter(method="filter_within", label=_("所属组织（含下级）"))

    def filter_within(self, queryset, name, value):
        return queryset.within(value)


class MemberFilterSet(WithinFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("搜索"),
        help_text=_("姓名、拼音首字母；有查看敏感信息权限时，也可填完整身份证号或手机号"),
    )
    org = org_filter(label=_("所在党组织"))
    status = django_filters.ChoiceFilter(
        choices=MemberStatus.choices, label=_("党员状态"), empty_label=ALL
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=_("人员类别"), empty_label=ALL
    )
    # The member list page asks for 在册 unless the user chooses (views.MemberListView).
    membership = django_filters.ChoiceFilter(
        choices=[*MembershipState.choices, (LEFT_THE_PARTY, _("已出党（各类，含去世）"))],
        method="filter_membership",
        label=_("党籍状态"),
        empty_label=ALL,
    )
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("性别"), empty_label=ALL)
    join_year = YearFilter(field_name="joined_on", min_year=HISTORY_YEAR_MIN, label=_("入党年份"))
    id_clash = django_filters.BooleanFilter(
        method="filter_id_clash",
        label=_("身份证号码重复待核查"),
        help_text=_("只列出您可查看其全部重复记录敏感信息的党员"),
    )

    class Meta:
        model = Member
        fields = [
            "q",
            "within",
            "org",
            "status",
            "category",
            "membership",
            "gender",
            "join_year",
            "id_clash",
        ]

    def filter_membership(self, queryset, name, value):
        if not value:
            return queryset
        if value == LEFT_THE_PARTY:
            return queryset.exclude(
                membership__in=[MembershipState.NORMAL, MembershipState.TRANSFERRED_OUT]
            )
        return queryset.filter(membership=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if identifiers.exact_field(value):
            # A full ID or mobile number is a reveal: only where the user holds the right,
            # audited (decisions/0008).
            return identifiers.search(getattr(self.request, "user", None), queryset, value)
        return queryset.filter(name_q(value), *self.searched_subtree())

    def searched_subtree(self) -> list:
        """A search narrowed to a subtree (`within`): the subtree's org ids looked up first,
        then their members by the (org, …) index, so it costs what the subtree holds. Joined
        on two path prefixes (scope and `within`), the planner scanned every member instead
        (bench/member_search.py). Only narrows: the queryset's `restrict` stays the scope.

        Not for a search of the whole scope: a user's own scope already plans org first, and
        for the 工委's whole city a scan is the right plan (probing 20 000 orgs one by one
        took 4× as long at province scale). One `org`: already an indexed equality."""
        user = getattr(self.request, "user", None)
        data = getattr(self.form, "cleaned_data", {})
        if user is None or data.get("org") or not data.get("within"):
            return []
        orgs = Organization.objects.holding(user, perm_name(Member, "view"))
        return [in_subquery_first("org_id", orgs.within(data["within"]).values("id"))]

    def filter_id_clash(self, queryset, name, value):
        if not value:
            return queryset
        return identifiers.clashes_visible_to(getattr(self.request, "user", None), queryset)


class ExemptionFilterSet(WithinFilterSet):
    # A plain id, not a ModelChoiceFilter: that would load (and decrypt) every member.
    member = IdFilter(field_name="member_id", label=_("党员"))
    reason = django_filters.ChoiceFilter(choices=Exemption.Reason.choices, label=_("原因"))

    class Meta:
        model = Exemption
        fields = ["member", "reason", "within"]


class TransferFilterSet(WithinFilterSet):
    member = IdFilter(field_name="member_id", label=_("党员"))
    year = YearFilter(field_name="transferred_on", min_year=HISTORY_YEAR_MIN, label=_("年度"))

    class Meta:
        model = Transfer
        fields = ["member", "year", "within"]

    def filter_within(self, queryset, name, value):
        """Either side in the subtree: the member now, or the org they left."""
        return queryset.filter(
            path_prefix_q("member__org__path", value.path)
            | path_prefix_q("from_org__path", value.path)
        )


class ExitFilterSet(WithinFilterSet):
    """出党/减少名册: by year of leaving, kind and org (the member's org, with its subtree)."""

    year = YearFilter(field_name="left_on", min_year=HISTORY_YEAR_MIN, label=_("年度"))
    kind = django_filters.ChoiceFilter(choices=ExitKind.choices, label=_("类别"), empty_label=ALL)
    member = IdFilter(field_name="member_id", label=_("党员"))

    class Meta:
        model = Exit
        fields = ["year", "kind", "within", "member"]
