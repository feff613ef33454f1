"""Query counts of every orgs page and API list stay constant as orgs and members grow."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.urls import reverse

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
    table_rows,
)
from dangjian.orgs.models import CommitteePost, OrgKind, Unit

from .helpers import child, make_member, make_members, make_term

BASELINES = Path(__file__).with_name("query_counts.json")
_batch = itertools.count(1)


def grow(tree):
    """Add a unit with a 党委, branches, groups, members, terms and committee posts everywhere."""
    n = next(_batch)
    unit_org = child(tree.root, OrgKind.UNIT_PARTY, f"新局{n}机关党委")
    Unit.objects.create(name=f"新局{n}", party_org=unit_org)
    for parent in (tree.unit_a, tree.unit_b, unit_org):
        for i in range(3):
            branch = child(
                parent,
                OrgKind.BRANCH,
                f"{parent.name}第{n}-{i}支部",
                established_on=dt.date(2016, 1, 1),
                unit_id=parent.unit_id,  # so the unit's page lists it
            )
            group = child(branch, OrgKind.PARTY_GROUP, f"{branch.name}小组")
            make_members(branch, 3)
            make_members(group, 2)
            term = make_term(branch, dt.date(2022, 1, 1 + i))
            CommitteePost.objects.create(term=term, member=make_member(branch), post="secretary")
    make_members(tree.branch_a, 4)
    for org in (tree.branch_a, tree.branch_b):
        term = org.terms.filter(ended_on__isnull=True).first() or make_term(
            org, dt.date(2023, 1, 1)
        )
        CommitteePost.objects.create(term=term, member=make_member(org), post="member")


# A node of the org tree shows its member total with this tooltip.
TREE_NODES = occurrences('title="本组织及全部下级组织的在册党员"')
TREE_PAGES = {"orgs:tree", "orgs:tree?q", "orgs:tree?open", "orgs:tree_children"}

PAGES = {
    "orgs:tree": lambda t: reverse("orgs:tree"),
    "orgs:tree?q": lambda t: reverse("orgs:tree") + "?q=支部",
    "orgs:tree?open": lambda t: reverse("orgs:tree") + f"?open={t.branch_a.pk}",
    "orgs:tree_children": lambda t: reverse("orgs:tree_children", args=[t.root.pk]),
    "orgs:organization_list": lambda t: reverse("orgs:organization_list"),
    "orgs:organization_list?term_status": lambda t: (
        reverse("orgs:organization_list") + "?term_status=overdue"
    ),
    "orgs:organization_detail": lambda t: reverse("orgs:organization_detail", args=[t.branch_a.pk]),
    "orgs:organization_detail(root)": lambda t: reverse(
        "orgs:organization_detail", args=[t.root.pk]
    ),
    "orgs:unit_list": lambda t: reverse("orgs:unit_list"),
    "orgs:unit_detail": lambda t: reverse("orgs:unit_detail", args=[t.dept_a.pk]),
    "api:orgs": lambda t: "/api/orgs/",
    "api:orgs?member_count": lambda t: "/api/orgs/?member_count=1",
    "api:units": lambda t: "/api/units/",
    "api:terms": lambda t: "/api/terms/",
    "api:committee-posts": lambda t: "/api/committee-posts/",
}


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(PAGES))
def test_query_count_is_constant(key, client, tree, make_user):
    make_term(tree.branch_a, dt.date(2021, 1, 1))
    grow(tree)  # every kind of row exists before the first count
    client.force_login(make_user("committee_admin", tree.root))
    rows = TREE_NODES if key in TREE_PAGES else table_rows
    count = assert_query_count_constant(client, PAGES[key](tree), lambda: grow(tree), rows=rows)
    check_baseline(BASELINES, key, count)
