"""Org metrics (seed-figures.md rows 1–2)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from dangjian.core.metrics import MetricScope, metric

from .models import GRASSROOTS_KINDS, Organization, OrgKind, OrgStatus


def existing_at_year_end(scope: MetricScope, **filters):
    """Orgs that existed on 31 December of the scope's year (established by then, not dissolved).

    An org without an establishment date is taken to have always existed; a dissolved org
    without a date (legacy data) is taken to be gone.
    """
    end = dt.date(scope.year, 12, 31)
    qs = Organization.objects.filter(**filters).filter(
        Q(established_on__isnull=True) | Q(established_on__lte=end),
        Q(status=OrgStatus.ACTIVE) | Q(dissolved_on__gt=end),
    )
    return scope.restrict(qs)


def _units(scope: MetricScope):
    return existing_at_year_end(scope, kind=OrgKind.UNIT_PARTY)


def _grassroots(scope: MetricScope):
    return existing_at_year_end(scope, kind__in=GRASSROOTS_KINDS)


@metric("orgs.unit_party_count", "市直机关党组织数", "个", drilldown=_units)
def unit_party_count(scope: MetricScope) -> int:
    return _units(scope).count()


@metric("orgs.grassroots_count", "基层党组织数", "个", drilldown=_grassroots)
def grassroots_count(scope: MetricScope) -> int:
    return _grassroots(scope).count()
