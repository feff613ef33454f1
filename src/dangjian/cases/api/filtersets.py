"""API filters: the pages' filtersets, plus the rating's own."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.core.filters import IdFilter
from dangjian.members.filtersets import WithinFilterSet

from ..filtersets import BrandFilterSet, CaseAwardFilterSet, CaseFilterSet
from ..models import CaseFile, CaseRating, Rating

__all__ = [
    "BrandFilterSet",
    "CaseAwardFilterSet",
    "CaseFileFilterSet",
    "CaseFilterSet",
    "CaseRatingFilterSet",
]


class CaseRatingFilterSet(WithinFilterSet):
    case = IdFilter(field_name="case_id", label=_("案例"))
    rating = django_filters.ChoiceFilter(choices=Rating.choices, label=_("评定等次"))

    class Meta:
        model = CaseRating
        fields = ["case", "rating"]


class CaseFileFilterSet(WithinFilterSet):
    case = IdFilter(field_name="case_id", label=_("案例"))

    class Meta:
        model = CaseFile
        fields = ["case"]
