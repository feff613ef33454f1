"""The honors pages and API lists run the same number of queries whatever the row count
(the round page too: quotas per unit and every nomination with its record checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.honors import titles
from dangjian.honors.models import HonorRound, RoundQuota

from .factories import make_honor, make_nomination, make_round

BASELINES = Path(__file__).with_name("query_counts.json")
pytestmark = pytest.mark.django_db


def round_of(tree) -> HonorRound:
    return HonorRound.objects.filter(org=tree.root).first() or make_round(tree.root)


def add_nominations(tree, n):
    rnd = round_of(tree)
    for _ in range(n):
        make_nomination(tree.branch_a, rnd=rnd)
        make_nomination(
            tree.branch_a, rnd=rnd, title=titles.ADVANCED_ORG, recipient_org=tree.group_a
        )


def add_rounds(tree, n):
    for _ in range(n):
        make_nomination(tree.branch_a, rnd=make_round(tree.root))


def add_honors(tree, n):
    for _ in range(n):
        make_honor(tree.branch_a, recorded_by=tree.root)
        make_honor(tree.branch_a, recorded_by=tree.root, member=False)


def add_quota_units(tree, n):
    rnd = round_of(tree)
    for i in range(n):
        unit = tree.root.add_child(kind="unit_party", name=f"新增单位{i}-{n}")
        tree.root.refresh_from_db()
        RoundQuota.objects.create(round=rnd, org=unit, title=titles.EXCELLENT_MEMBER, quota=3)
        make_nomination(unit, rnd=rnd)


@pytest.mark.parametrize(
    ("key", "url", "adder", "rows"),
    [
        ("honors:round_list", "/honors/", add_rounds, None),
        ("honors:nomination_list", "/honors/nominations/", add_nominations, None),
        ("honors:honor_list", "/honors/honors/", add_honors, None),
        ("api:honor-rounds", "/api/honor-rounds/", add_rounds, None),
        ("api:nominations", "/api/nominations/", add_nominations, None),
        ("api:honors", "/api/honors/", add_honors, None),
    ],
)
def test_honors_lists(client, tree, make_user, key, url, adder, rows):
    client.force_login(make_user("committee_admin", tree.root))
    adder(tree, 1)
    kwargs = {"rows": occurrences(rows)} if rows else {}
    count = assert_query_count_constant(client, url, lambda: adder(tree, 12), **kwargs)
    check_baseline(BASELINES, key, count)


@pytest.mark.parametrize(
    ("key", "adder", "marker"),
    [
        ("honors:round_detail:nominations", add_nominations, 'title="组织生活"'),
        ("honors:round_detail:quotas", add_quota_units, " / 3"),
    ],
)
def test_round_page(client, tree, make_user, key, adder, marker):
    client.force_login(make_user("committee_admin", tree.root))
    rnd = round_of(tree)
    RoundQuota.objects.create(round=rnd, org=tree.branch_a, title=titles.EXCELLENT_MEMBER, quota=3)
    adder(tree, 1)
    count = assert_query_count_constant(
        client, f"/honors/{rnd.pk}/", lambda: adder(tree, 8), rows=occurrences(marker)
    )
    check_baseline(BASELINES, key, count)
