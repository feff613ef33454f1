"""The register's pages and API lists run the same number of queries whatever the row count."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline
from dangjian.orgs.models import OrgKind

from .factories import (
    RiskReviewFactory,
    make_institution,
    make_measure,
    make_point,
    register_for,
)

BASELINES = Path(__file__).with_name("query_counts.json")
pytestmark = pytest.mark.django_db
_years = itertools.count(2001)
_units = itertools.count(1)


def add_reviews(tree, n):
    for _ in range(n):
        RiskReviewFactory(org=tree.root, year=next(_years))


def add_units(tree, n):
    """New units with a register in the 2025 round (the coverage page's rows)."""
    for _ in range(n):
        root = type(tree.root).objects.get(pk=tree.root.pk)
        unit = root.add_child(kind=OrgKind.UNIT_PARTY, name=f"测试局{next(_units)}机关党委")
        sub = register_for(unit, review_org=tree.root)
        make_measure(unit, submission=sub)
        make_institution(unit, submission=sub)


def add_points(tree, n):
    sub = register_for(tree.unit_a)
    for _ in range(n):
        make_point(tree.unit_a, submission=sub)


def add_measures(tree, n):
    sub = register_for(tree.unit_a)
    for _ in range(n):
        make_measure(tree.unit_a, submission=sub)


def add_institutions(tree, n):
    sub = register_for(tree.unit_a)
    for _ in range(n):
        make_institution(tree.unit_a, submission=sub)


CASES = [
    ("integrity:review_list", "/integrity/", add_reviews),
    ("integrity:submission_list", "/integrity/registers/", add_units),
    ("integrity:point_list", "/integrity/points/", add_points),
    ("integrity:measure_list", "/integrity/measures/", add_measures),
    ("integrity:institution_list", "/integrity/institutions/", add_institutions),
    ("api:risk-reviews", "/api/risk-reviews/", add_reviews),
    ("api:risk-submissions", "/api/risk-submissions/", add_units),
    ("api:risk-points", "/api/risk-points/", add_points),
    ("api:measures", "/api/measures/", add_measures),
    ("api:institutions", "/api/institutions/", add_institutions),
]


@pytest.mark.parametrize(("key", "url", "adder"), CASES)
def test_register_lists(client, tree, make_user, key, url, adder):
    client.force_login(make_user("committee_admin", tree.root))
    adder(tree, 1)
    count = assert_query_count_constant(client, url, lambda: adder(tree, 12))
    check_baseline(BASELINES, key, count)


def test_coverage_page(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    add_units(tree, 1)
    review = RiskReviewFactory(org=tree.root, year=2025)
    count = assert_query_count_constant(
        client, f"/integrity/reviews/{review.pk}/", lambda: add_units(tree, 12)
    )
    check_baseline(BASELINES, "integrity:review_detail", count)


def test_register_page(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    sub = register_for(tree.unit_a)
    add_measures(tree, 1)
    count = assert_query_count_constant(
        client, f"/integrity/registers/{sub.pk}/", lambda: add_measures(tree, 12)
    )
    check_baseline(BASELINES, "integrity:submission_detail", count)
