"""Filters shared by the HTML lists and the API (`?kind=`, `?parent=`, `?within=`, `?q=` …).

Org choices come from `restrict(request.user, "view")`: an org outside the user's
scope is an invalid choice (400 in the API), never a way to look outside it.
"""

from __future__ import annotations

from functools import cache, partial

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dangjian.core.bounds import parse_id
from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import scope_paths

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
    """An org filter: any org the user can view is a valid value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", visible_orgs)
        super().__init__(*args, **kwargs)


def upper_level_choices(user, selected) -> list[tuple]:
    """Select options for an org filter: the user's top orgs, one level below, and the chosen org.

    A city has thousands of orgs and every <option> costs render time and page weight;
    deeper orgs arrive through links (组织详情 → 在列表中查看) and still validate, because
    the field's queryset (every visible org) is unchanged.
    """
    choices: list[tuple] = [("", "---------")]
    paths = scope_paths(user, "orgs.view_organization")
    if not paths:
        return choices
    top = max(min(len(p) for p in paths) // Organization.steplen, 1)
    shown = Q(depth__lte=top + 1)
    if (selected_id := parse_id(selected)) is not None:
        shown |= Q(pk=selected_id)
    rows = (
        Organization.objects.restrict(user, "view").filter(shown).values_list("pk", "name", "depth")
    )
    choices += [(pk, "　" * (depth - top) + name) for pk, name, depth in rows]
    return choices


class ShortOrgSelects:
    """FilterSet mixin: every OrgField's select offers `upper_level_choices` (queried on render)."""

    @property
    def form(self):
        form = super().form  # type: ignore[misc]
        if not getattr(form, "_org_choices_set", False):
            user = getattr(self.request, "user", None)  # type: ignore[attr-defined]
            for name, flt in self.filters.items():  # type: ignore[attr-defined]
                if isinstance(flt, OrgField):
                    selected = self.data.get(name) if self.data else None  # type: ignore[attr-defined]
                    # A callable: evaluated when the widget renders (never for the API), once.
                    form.fields[name].widget.choices = cache(
                        partial(upper_level_choices, user, selected)
                    )
            form._org_choices_set = True
        return form


def within_subtree(queryset, path_field: str, org: Organization):
    """Rows whose org lies in `org`'s subtree (path prefix); `org` itself was scope-checked."""
    return queryset.filter(path_prefix_q(path_field, org.path))


class OrganizationFilterSet(ShortOrgSelects, django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("名称"))
    kind = django_filters.ChoiceFilter(
        choices=[*OrgKind.choices, (GRASSROOTS, _("基层党组织（党委、党总支、党支部）"))],
        method="filter_kind",
        label=_("组织类别"),
    )
    parent = OrgField(method="filter_parent", label=_("上级组织"))
    within = OrgField(method="filter_within", label=_("所属范围（含下级）"))
    unit = django_filters.ModelChoiceFilter(queryset=visible_units, label=_("所属单位"))
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


class UnitFilterSet(ShortOrgSelects, django_filters.FilterSet):
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


class TermFilterSet(ShortOrgSelects, django_filters.FilterSet):
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


class CommitteePostFilterSet(ShortOrgSelects, django_filters.FilterSet):
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
