"""Concrete views over the core generic views, to render the generic templates in tests."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.urls import path

from dangjian.core.forms import ScopedModelForm
from dangjian.core.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from dangjian.orgs.models import Organization, OrgKind, Term

from .urls_stub import urlpatterns_without


class OrgTable(tables.Table):
    name = tables.Column(verbose_name="组织名称")

    class Meta:
        model = Organization
        fields = ["name", "kind"]


class OrgFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label="组织类别")

    class Meta:
        model = Organization
        fields = ["kind"]


class OrgList(ObjectListView):
    queryset = Organization.objects.all()
    table = OrgTable
    filterset = OrgFilterSet
    exporter = object()  # only its presence matters for the template's export button
    per_page = 2

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "add_url": "/add-org/"}


class TermForm(ScopedModelForm):
    class Meta:
        model = Term
        fields = ["org", "number", "started_on", "extension_approved", "note"]


urlpatterns = [
    *urlpatterns_without(),
    path("g/orgs/", OrgList.as_view(), name="g-org-list"),
    path(
        "g/orgs/<int:pk>/",
        ObjectDetailView.as_view(queryset=Organization.objects.all()),
        name="g-org",
    ),
    path("g/terms/add/", ObjectEditView.as_view(queryset=Term.objects.all(), form_class=TermForm)),
    path("g/orgs/<int:pk>/delete/", ObjectDeleteView.as_view(queryset=Organization.objects.all())),
]
