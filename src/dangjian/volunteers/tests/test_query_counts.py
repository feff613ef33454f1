"""The lists, the coverage page and the API lists run the same number of queries whatever
the row count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.orgs.models import OrgKind

from .factories import (
    CommunityFactory,
    FeedbackFactory,
    MemberFactory,
    RegistrationFactory,
    TaskForceFactory,
    TaskForceMemberFactory,
)

BASELINES = Path(__file__).with_name("query_counts.json")
pytestmark = pytest.mark.django_db


def add_communities(tree, n):
    for _ in range(n):
        CommunityFactory(org=tree.root)


def add_registrations(tree, n):
    c = CommunityFactory(org=tree.root)
    for _ in range(n):
        RegistrationFactory(org=tree.branch_a, member=MemberFactory(org=tree.branch_a), community=c)


def add_feedback(tree, n):
    for _ in range(n):
        c = CommunityFactory(org=tree.root)
        RegistrationFactory(org=tree.branch_a, community=c)
        FeedbackFactory(community=c, org=tree.branch_a, recorded_by=tree.unit_a)


def add_task_forces(tree, n):
    for _ in range(n):
        tf = TaskForceFactory(org=tree.branch_a)
        TaskForceMemberFactory(task_force=tf, member=MemberFactory(org=tree.branch_a))


def add_units(tree, n):
    c = CommunityFactory(org=tree.root)
    for i in range(n):
        unit = tree.root.add_child(kind=OrgKind.UNIT_PARTY, name=f"第{i}局机关党委")
        tree.root.refresh_from_db()
        RegistrationFactory(org=unit, community=c, starts_on=dt.date(2024, 1, 5))
        RegistrationFactory(org=unit, member=MemberFactory(org=unit), community=c)


CASES = [
    ("volunteers:community_list", "/volunteers/communities/", add_communities, None),
    ("volunteers:registration_list", "/volunteers/registrations/", add_registrations, None),
    ("volunteers:feedback_list", "/volunteers/feedback/", add_feedback, None),
    ("volunteers:taskforce_list", "/volunteers/task-forces/", add_task_forces, None),
    ("volunteers:coverage", "/volunteers/coverage/?year=2024", add_units, "?within="),
    ("api:communities", "/api/communities/", add_communities, None),
    ("api:community-registrations", "/api/community-registrations/", add_registrations, None),
    ("api:community-feedback", "/api/community-feedback/", add_feedback, None),
    ("api:task-forces", "/api/task-forces/", add_task_forces, None),
]


def api_rows(resp):
    return len(resp.json()["results"])


@pytest.mark.parametrize(("key", "url", "adder", "marker"), CASES)
def test_lists(client, tree, make_user, key, url, adder, marker):
    client.force_login(make_user("committee_admin", tree.root))
    adder(tree, 1)
    if url.startswith("/api/"):
        rows = api_rows
    elif marker:
        rows = occurrences(marker)
    else:
        rows = None
    kwargs = {"rows": rows} if rows else {}
    count = assert_query_count_constant(client, url, lambda: adder(tree, 8), **kwargs)
    check_baseline(BASELINES, key, count)


def test_task_force_page(client, tree, make_user):
    tf = TaskForceFactory(org=tree.branch_a)

    def add(n):
        for _ in range(n):
            TaskForceMemberFactory(task_force=tf, member=MemberFactory(org=tree.branch_a))

    client.force_login(make_user("branch_secretary", tree.branch_a))
    add(1)
    count = assert_query_count_constant(
        client, f"/volunteers/task-forces/{tf.pk}/", lambda: add(8), rows=occurrences("移出")
    )
    check_baseline(BASELINES, "volunteers:taskforce_detail", count)
