"""The member list page and API list run the same number of queries whatever the row count."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline

from .factories import ExemptionFactory, MemberFactory, TransferFactory

BASELINES = Path(__file__).with_name("query_counts.json")

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("members:member_list", "/members/"),
        ("members:member_list?within", "/members/?within={unit_a}&q=z"),
        ("api:members", "/api/members/"),
        ("api:members?within", "/api/members/?within={unit_a}&status=full"),
    ],
)
def test_member_lists(tree, login, key, url):
    client = login("unit_admin", tree.unit_a)
    url = url.format(unit_a=tree.unit_a.pk)
    MemberFactory(org=tree.branch_a, name="赵一")  # the first load already has a matching row

    def add_rows():
        for i in range(30):
            MemberFactory(
                org=tree.group_a if i % 2 else tree.branch_a, name=f"赵{i}", unit=tree.dept_a
            )

    count = assert_query_count_constant(client, url, add_rows)
    check_baseline(BASELINES, key, count)


@pytest.mark.parametrize(
    ("key", "url", "factory"),
    [
        ("api:exemptions", "/api/exemptions/", ExemptionFactory),
        ("api:transfers", "/api/transfers/", TransferFactory),
    ],
)
def test_history_lists(tree, login, key, url, factory):
    client = login("unit_admin", tree.unit_a)
    factory(member=MemberFactory(org=tree.branch_a))

    def add_rows():
        for _ in range(30):
            factory(member=MemberFactory(org=tree.branch_a))

    count = assert_query_count_constant(client, url, add_rows)
    check_baseline(BASELINES, key, count)
