"""Filters shared by the HTML lists and the API (`?kind=`, `?parent=`, `?within=`, `?q=` …).

Org choices come from `restrict(request.user, "view")`: an org outside the user's
scope is an invalid choice (400 in the API), never a way to look outside it.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dangjian.core.db import path_prefix_q
from dangjian.core.orgpicker import ORG_ERRORS, UNIT_ERRORS, OrgPicker

from .models import GRASSROOTS_KINDS, CommitteePost, Organization, OrgKind, OrgStatus, Term, Unit
from .termrules import STATUS_CHOICES

GRASSROOTS = "grassroots"  # `?kind=grassroots`: the three 基层党组织 kinds at once


def visible_orgs(request):
    return Organization.objects.restrict(getattr(request, "user", None), "view")


def visible_units(request):
    return Unit.objects.restrict(getattr(request, "user", None), "view")


def visible_terms(request):
    return Term.objects.restrict(getattr(request, "user", None), "view")


@extend_schema_field(OpenApiTypes.INT)
class OrgField(django_filters.ModelChoiceFilter):
    """An org filter: any org the user can view is a valid value; the page shows the org
    picker (core.orgpicker: a short select and a name search), never every org."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", visible_orgs)
        kwargs.setdefault("widget", OrgPicker())
        kwargs.setdefault("error_messages", ORG_ERRORS)
        super().__init__(*args, **kwargs)


def within_subtree(queryset, path_field: str, org: Organization):
    """Rows whose org lies in `org`'s subtree (path prefix); `org` itself was scope-checked."""
    return queryset.filter(path_prefix_q(path_field, org.path))


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("名称"))
    kind = django_filters.ChoiceFilter(
        choices=[*OrgKind.choices, (GRASSROOTS, _("基层党组织（党委、党总支、党支部）"))],
        method="filter_kind",
        label=_("组织类别"),
    )
    parent = OrgField(method="filter_parent", label=_("上级组织"))
    within = OrgField(method="filter_within", label=_("所属范围（含下级）"))
    unit = django_filters.ModelChoiceFilter(
        queryset=visible_units,
        label=_("所属单位"),
        widget=OrgPicker(),  # a province has 850 units: the picker, not a select of all
        error_messages=UNIT_ERRORS,
    )
    status = django_filters.ChoiceFilter(choices=OrgStatus.choices, label=_("状态"))
    term_status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_term_status", label=_("换届状态")
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "parent", "within", "unit", "status", "term_status"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

    def filter_kind(self, queryset, name, value):
        return (
            queryset.filter(kind__in=GRASSROOTS_KINDS)
            if value == GRASSROOTS
            else queryset.filter(kind=value)
        )

    def filter_parent(self, queryset, name, org):
        return queryset.children_of(org)

    def filter_within(self, queryset, name, org):
        return within_subtree(queryset, "path", org)

    def filter_term_status(self, queryset, name, value):
        if "term_status" not in queryset.query.annotations:
            queryset = queryset.with_term_status()
        return queryset.filter(term_status=value)


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("名称"))
    within = OrgField(method="filter_within", label=_("所属范围（含下级）"))

    class Meta:
        model = Unit
        fields = ["q", "within"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))
            if value
            else queryset
        )

    def filter_within(self, queryset, name, org):
        return within_subtree(queryset, "party_org__path", org)


class TermFilterSet(django_filters.FilterSet):
    org = OrgField(label=_("党组织"))
    within = OrgField(method="filter_within", label=_("所属范围（含下级）"))
    current = django_filters.BooleanFilter(
        field_name="ended_on", lookup_expr="isnull", label=_("当前届次")
    )

    class Meta:
        model = Term
        fields = ["org", "within", "current"]

    def filter_within(self, queryset, name, org):
        return within_subtree(queryset, "org__path", org)


class CommitteePostFilterSet(django_filters.FilterSet):
    term = django_filters.ModelChoiceFilter(queryset=visible_terms, label=_("届次"))
    org = OrgField(field_name="term__org", label=_("党组织"))
    within = OrgField(method="filter_within", label=_("所属范围（含下级）"))
    post = django_filters.ChoiceFilter(choices=CommitteePost.Post.choices, label=_("职务"))
    active = django_filters.BooleanFilter(
        field_name="dismissed_on", lookup_expr="isnull", label=_("在任")
    )

    class Meta:
        model = CommitteePost
        fields = ["term", "org", "within", "post", "active"]

    def filter_within(self, queryset, name, org):
        return within_subtree(queryset, "term__org__path", org)
