"""The case, award and brand lists (pages and API) and the detail pages run the same number
of queries whatever the row count."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)

from .factories import make_award, make_brand, make_case, make_file, make_rating

BASELINES = Path(__file__).with_name("query_counts.json")
pytestmark = pytest.mark.django_db


def add_cases(org, n):
    for _ in range(n):
        case = make_case(org)
        make_rating(case)
        make_award(case)


def add_brands(org, n):
    from dangjian.orgs.models import OrgKind

    for i in range(n):
        branch = org.add_child(kind=OrgKind.BRANCH, name=f"第{i}支部{org.numchild}")
        org.refresh_from_db()
        make_brand(branch)


@pytest.mark.parametrize(
    ("key", "url", "role", "adder"),
    [
        ("cases:case_list", "/cases/", "committee_admin", add_cases),
        ("cases:case_list:unit", "/cases/", "unit_admin", add_cases),
        ("cases:award_list", "/cases/awards/", "committee_admin", add_cases),
        ("cases:brand_list", "/cases/brands/", "committee_admin", add_brands),
        ("api:cases", "/api/cases/", "committee_admin", add_cases),
        ("api:case-ratings", "/api/case-ratings/", "committee_admin", add_cases),
        ("api:case-awards", "/api/case-awards/", "unit_admin", add_cases),
        ("api:brands", "/api/brands/", "unit_admin", add_brands),
    ],
)
def test_lists(client, tree, make_user, key, url, role, adder):
    client.force_login(make_user(role, tree.root if role == "committee_admin" else tree.unit_a))
    org = tree.unit_a if adder is add_brands else tree.branch_a
    if adder is add_brands:
        make_brand(tree.unit_a)
    adder(org, 1)
    count = assert_query_count_constant(client, url, lambda: adder(org, 12))
    check_baseline(BASELINES, key, count)


def test_api_case_files(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    case = make_case(tree.branch_a)

    def add(n):
        for _ in range(n):
            make_file(case)

    add(1)
    count = assert_query_count_constant(client, "/api/case-files/", lambda: add(12))
    check_baseline(BASELINES, "api:case-files", count)


def test_case_page_with_many_awards_and_files(client, tree, make_user):
    case = make_case(tree.branch_a)
    make_rating(case)
    client.force_login(make_user("committee_admin", tree.root))

    def add(n):
        for _ in range(n):
            make_award(case)
            make_file(case)

    add(1)
    count = assert_query_count_constant(
        client, case.get_absolute_url(), lambda: add(12), rows=occurrences("/cases/files/")
    )
    check_baseline(BASELINES, "cases:case_detail", count)


def test_brand_tree_page(client, tree, make_user):
    unit_brand = make_brand(tree.unit_a)
    client.force_login(make_user("unit_admin", tree.unit_a))
    count = assert_query_count_constant(
        client,
        unit_brand.get_absolute_url(),
        lambda: add_brands(tree.unit_a, 12),
        rows=occurrences('<span class="badge bg-green-lt me-1">N</span>'),
    )
    check_baseline(BASELINES, "cases:brand_detail", count)


def test_org_page_panel(client, tree, make_user):
    make_brand(tree.unit_a)
    client.force_login(make_user("committee_admin", tree.root))
    add_cases(tree.branch_a, 1)
    count = assert_query_count_constant(
        client,
        tree.unit_a.get_absolute_url(),
        lambda: add_cases(tree.branch_a, 3),
        rows=occurrences("年 · 优秀案例"),
    )
    check_baseline(BASELINES, "orgs:organization_detail:cases_panel", count)
