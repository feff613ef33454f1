"""The round's coverage and the metrics, against a naive count row by row."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.integrity import coverage
from dangjian.integrity.models import RiskPoint, RiskSubmission

from .factories import make_institution, make_measure, make_point, register_for

pytestmark = pytest.mark.django_db


def fill(tree, seed=7):
    rng = random.Random(seed)
    subs = [register_for(org) for org in (tree.unit_a, tree.unit_b, tree.branch_a)]
    for sub in subs:
        for _ in range(rng.randint(0, 6)):
            make_point(sub.org, submission=sub, level=rng.choice(["high", "medium", "low"]))
        points = list(RiskPoint.objects.filter(submission=sub))
        for _ in range(rng.randint(0, 4)):
            if points:
                make_measure(sub.org, submission=sub, risk_points=rng.sample(points, 1))
        for _ in range(rng.randint(0, 3)):
            make_institution(sub.org, submission=sub)
    RiskSubmission.objects.filter(pk=subs[0].pk).update(submitted_at=timezone.now())
    return subs


def test_late_is_after_the_due_dates_end_local_time(tree, make_user):
    import datetime as dt

    subs = fill(tree)
    due = subs[0].review.due_on
    tz = timezone.get_current_timezone()
    last_minute = dt.datetime.combine(due, dt.time(23, 59), tzinfo=tz)
    RiskSubmission.objects.filter(pk=subs[0].pk).update(submitted_at=last_minute)
    RiskSubmission.objects.filter(pk=subs[1].pk).update(
        submitted_at=last_minute + dt.timedelta(minutes=1)
    )
    c = coverage.coverage(subs[0].review, make_user("committee_admin", tree.root))
    late = {r.submission.pk: r.late for r in c.rows}
    assert late == {subs[0].pk: False, subs[1].pk: True, subs[2].pk: False}
    # the model's own rule agrees
    assert {s.pk: s.late for s in RiskSubmission.objects.select_related("review")} == late
    assert c.late == 1


def naive(sub):
    return {
        "high": sum(
            1 for p in RiskPoint.objects.all() if p.submission_id == sub.pk and p.level == "high"
        ),
        "points": sum(1 for p in RiskPoint.objects.all() if p.submission_id == sub.pk),
        "measures": sub.measures.count(),
        "institutions": sub.institutions.count(),
    }


def test_coverage_matches_a_count_per_unit(tree, make_user):
    subs = fill(tree)
    review = subs[0].review
    c = coverage.coverage(review, make_user("committee_admin", tree.root))
    assert c.units == 3 and len(c.submitted) == 1
    assert [r.submission.pk for r in c.missing] == sorted(
        [subs[1].pk, subs[2].pk], key=lambda pk: RiskSubmission.objects.get(pk=pk).org.path
    )
    for row in c.rows:
        expected = naive(row.submission)
        assert (row.high, row.point_total, row.measures, row.institutions) == (
            expected["high"],
            expected["points"],
            expected["measures"],
            expected["institutions"],
        )
    assert c.totals["point_total"] == RiskPoint.objects.count()
    # a unit sees only its own row
    mine = coverage.coverage(review, make_user("unit_admin", tree.unit_b))
    assert [r.submission.org_id for r in mine.rows] == [tree.unit_b.pk]


def test_metrics_count_the_rounds_year(tree, make_user):
    subs = fill(tree)
    other_year = register_for(tree.unit_a, year=2024)
    make_measure(tree.unit_a, submission=other_year)
    scope = MetricScope(SYSTEM, 2025)
    assert (
        registry.get("integrity.risk_points").value(scope)
        == RiskPoint.objects.filter(submission__review__year=2025).count()
    )
    assert registry.get("integrity.measures").value(scope) == sum(s.measures.count() for s in subs)
    assert registry.get("integrity.institutions").value(scope) == sum(
        s.institutions.count() for s in subs
    )
    assert registry.get("integrity.review_coverage").value(scope) == round(100 / 3, 1)
    assert registry.get("integrity.risk_points").value(MetricScope(SYSTEM, 2024)) == 1
    # within a subtree, and a unit's own view
    within = MetricScope(SYSTEM, 2025, within=tree.unit_b)
    assert registry.get("integrity.risk_points").value(within) == subs[1].risk_points.count()
    drill = registry.get("integrity.review_coverage").drilldown(scope)
    assert {s.pk for s in drill} == {subs[1].pk, subs[2].pk}


def test_the_coverage_page_and_the_org_panel(client, tree, make_user):
    subs = fill(tree)
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get(reverse("integrity:review_detail", args=[subs[0].review_id])).content.decode()
    assert "未提交的单位（2 个）" in html and "乙局机关党委" in html
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(reverse("orgs:organization_detail", args=[tree.unit_a.pk])).content.decode()
    assert "廉政风险排查" in html and subs[0].get_absolute_url() in html
