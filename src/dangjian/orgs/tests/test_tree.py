"""Tree page and subtree member counts."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.scoping import SYSTEM
from dangjian.orgs import tree as org_tree
from dangjian.orgs.models import Organization, OrgKind

from .helpers import child, make_member, make_members, member_model

pytestmark = pytest.mark.django_db


def naive_total(org: Organization) -> int:
    return (
        member_model().objects.filter(org__path__startswith=org.path, membership="normal").count()
    )


# A random tree: node i > 0 hangs under one of the nodes before it; each node gets a number
# of active members and a number of members who left (who must not be counted).
random_trees = st.integers(min_value=1, max_value=14).flatmap(
    lambda n: st.tuples(
        st.tuples(*[st.integers(min_value=0, max_value=i - 1) for i in range(1, n)]),
        st.lists(st.integers(min_value=0, max_value=4), min_size=n, max_size=n),
        st.lists(st.integers(min_value=0, max_value=2), min_size=n, max_size=n),
    )
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shape=random_trees)
def test_subtree_counts_equal_a_naive_count(db, shape):
    parents, active, gone = shape
    with transaction.atomic():
        nodes = [Organization.add_root(kind=OrgKind.COMMITTEE, name="根")]
        for i, parent in enumerate(parents, start=1):
            nodes.append(child(nodes[parent], OrgKind.BRANCH, f"节点{i}"))
        for node, n_active, n_gone in zip(nodes, active, gone, strict=True):
            make_members(node, n_active)
            make_members(node, n_gone, membership="transferred_out")
        nodes = list(Organization.objects.filter(path__startswith=nodes[0].path))

        expected = {org.path: naive_total(org) for org in nodes}
        # the aggregate + prefix sum used by the tree …
        got = org_tree.subtree_totals(expected, org_tree.direct_member_counts([nodes[0].path]))
        assert got == expected
        # … the same for any set of nodes (the org list's page, the API's page) …
        page = nodes[len(nodes) // 2 :]
        org_tree.annotate_member_totals(page)
        assert {o.path: o.member_total for o in page} == {o.path: expected[o.path] for o in page}
        # … and what the tree shows, level by level.
        for node in org_tree.children(SYSTEM, nodes[0]):
            assert node.org.member_total == expected[node.org.path]
        transaction.set_rollback(True)


def rendered_ids(resp) -> list[int]:
    return [int(x) for x in re.findall(r'data-org="(\d+)"', resp.content.decode())]


class TestTreePage:
    def test_shows_visible_subtree_with_counts_and_status(self, client, tree, make_user):
        make_members(tree.group_a, 3)
        make_member(tree.branch_a)
        make_members(tree.branch_b, 5)
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.get(reverse("orgs:tree"))
        assert resp.status_code == 200
        ids = rendered_ids(resp)
        assert ids == [tree.unit_a.pk, tree.branch_a.pk]  # root of the scope + one level
        nodes = resp.context["nodes"]
        assert nodes[0].org.member_total == 4 and nodes[0].children[0].org.member_total == 4
        body = resp.content.decode()
        assert "无届次信息" in body  # branch_a has no term yet
        assert tree.unit_b.name not in body and tree.root.name not in body
        # branch_a's children are not loaded yet: lazily, via htmx
        assert reverse("orgs:tree_children", args=[tree.branch_a.pk]) in body

    def test_children_fragment(self, client, tree, make_user):
        make_members(tree.group_a, 2)
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.get(reverse("orgs:tree_children", args=[tree.branch_a.pk]))
        assert resp.status_code == 200
        assert rendered_ids(resp) == [tree.group_a.pk]
        assert "2 名党员" in resp.content.decode()
        assert client.get(reverse("orgs:tree_children", args=[tree.branch_b.pk])).status_code == 404

    def test_open_expands_the_path_to_an_org(self, client, tree, make_user):
        client.force_login(make_user("committee_admin", tree.root))
        resp = client.get(reverse("orgs:tree") + f"?open={tree.branch_a.pk}")
        ids = rendered_ids(resp)
        assert tree.group_a.pk in ids and tree.branch_b.pk not in ids
        # an org outside the scope is ignored, not revealed
        other = make_user("unit_admin", tree.unit_b)
        client.force_login(other)
        resp = client.get(reverse("orgs:tree") + f"?open={tree.branch_a.pk}")
        assert tree.branch_a.pk not in rendered_ids(resp)

    def test_search_shows_matches_with_their_ancestors(self, client, tree, make_user):
        client.force_login(make_user("committee_admin", tree.root))
        resp = client.get(reverse("orgs:tree"), {"q": "小组"})
        assert rendered_ids(resp) == [
            tree.root.pk,
            tree.unit_a.pk,
            tree.branch_a.pk,
            tree.group_a.pk,
        ]
        assert resp.context["found"] == 1
        resp = client.get(reverse("orgs:tree"), {"q": "不存在的组织"})
        assert rendered_ids(resp) == [] and "没有名称含" in resp.content.decode()

    def test_search_stays_in_scope(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_b))
        resp = client.get(reverse("orgs:tree"), {"q": "党支部"})
        assert rendered_ids(resp) == [tree.unit_b.pk, tree.branch_b.pk]  # the root is not shown

    def test_without_permission_is_403(self, client, tree, make_user):
        client.force_login(make_user("audit_admin"))
        assert client.get(reverse("orgs:tree")).status_code == 403


def test_search_is_capped(client, tree, make_user, monkeypatch):
    monkeypatch.setattr(org_tree, "SEARCH_LIMIT", 1)
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("orgs:tree"), {"q": "党支部"})
    assert resp.context["found"] == 1 and resp.context["truncated"]
    assert "仅显示前 1 个" in resp.content.decode()
