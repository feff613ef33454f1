"""The demo's 廉政风险排查 at tiny scale: a closed 2024 round every unit submitted (two late),
the seed's figures scaled to the units, every point with a measure and every measure on its
own unit's points; a 2025 round partly submitted; deterministic."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import F

from dangjian.accounts.models import User
from dangjian.core.metrics import MetricScope, registry
from dangjian.integrity.models import Institution, Measure, RiskPoint, RiskReview, RiskSubmission
from dangjian.orgs.models import Organization, OrgKind

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


def _load(seed=3, reset=False):
    call_command(
        "demo",
        stdout=io.StringIO(),
        scale="tiny",
        today=TODAY,
        verbosity=0,
        seed=seed,
        reset=reset,
    )


def _snapshot():
    return sorted(
        RiskPoint.objects.values_list(
            "submission__org__name", "submission__review__year", "code", "post", "level"
        )
    )


def test_demo_integrity_rounds():
    _load()
    units = Organization.objects.filter(kind=OrgKind.UNIT_PARTY).count()
    assert units == 4
    gongwei = User.objects.get(username="gongwei")
    scope = MetricScope(user=gongwei, year=2024)
    # the city's 1,862 / 2,094 / 574 over 85 units, scaled to 4
    assert registry.get("integrity.risk_points").value(scope) == round(1862 * 4 / 85)
    assert registry.get("integrity.measures").value(scope) == round(2094 * 4 / 85)
    assert registry.get("integrity.institutions").value(scope) == round(574 * 4 / 85)
    assert registry.get("integrity.review_coverage").value(scope) == 100.0
    r24 = RiskReview.objects.get(year=2024)
    assert r24.closed and r24.warning_activity is not None
    subs = list(RiskSubmission.objects.filter(review=r24).select_related("review"))
    assert len(subs) == units and sum(s.late for s in subs) == 2
    # every 2024 point has a measure; no measure reaches another register's point
    assert not RiskPoint.objects.filter(submission__review=r24, measures__isnull=True).exists()
    through = Measure.risk_points.through.objects
    assert not through.exclude(measure__submission=F("riskpoint__submission")).exists()
    assert Institution.objects.filter(submission__review=r24).count() == round(574 * 4 / 85)
    # 2025: open, partly submitted; the demo unit admin has a draft to finish
    r25 = RiskReview.objects.get(year=2025)
    assert not r25.closed
    danwei = User.objects.get(username="danwei")
    own = RiskSubmission.objects.restrict(danwei, "change").get(review=r25)
    assert own.submitted_at is None and RiskPoint.objects.filter(submission=own).exists()
    assert own.risk_points.filter(measures__isnull=True).exists()


def test_demo_integrity_is_deterministic():
    _load(seed=5)
    first = _snapshot()
    _load(seed=5, reset=True)
    assert _snapshot() == first
