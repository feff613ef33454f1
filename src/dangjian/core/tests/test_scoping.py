"""The scoping rule (DESIGN §4): scope paths, one WHERE on the tree path, SYSTEM, inactive users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import (
    SYSTEM,
    has_any_scope,
    has_global_perm,
    holds,
    minimal_paths,
    perm_name,
    scope_paths,
    scope_q,
)


class FakeUser:
    """Just enough of a user for core: scope paths per permission."""

    def __init__(
        self, paths: dict[str, list[str]], *, active: bool = True, authenticated: bool = True
    ):
        self.paths = paths
        self.is_active = active
        self.is_authenticated = authenticated

    def get_scope_paths(self, perm: str) -> list[str]:
        return self.paths.get(perm, [])


# --- pure functions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], []),
        (["0001"], ["0001"]),
        (["00010001", "0001"], ["0001"]),  # a descendant is covered by its ancestor
        (
            ["00010002", "00010001", "00010001"],
            ["00010001", "00010002"],
        ),  # siblings stay, once each
        (["000100010001", "00020001", "0002"], ["0002", "000100010001"]),
        (["0001", ""], [""]),  # the whole tree covers everything
    ],
)
def test_minimal_paths(paths, expected):
    assert sorted(minimal_paths(paths)) == sorted(expected)


def test_scope_paths_empty_for_anonymous_inactive_and_userless():
    grants = {"orgs.view_organization": ["0001"]}
    assert scope_paths(None, "orgs.view_organization") == []
    assert scope_paths(FakeUser(grants, authenticated=False), "orgs.view_organization") == []
    assert scope_paths(FakeUser(grants, active=False), "orgs.view_organization") == []
    assert scope_paths(object(), "orgs.view_organization") == []
    assert scope_paths(FakeUser(grants), "orgs.view_organization") == ["0001"]
    assert scope_paths(FakeUser(grants), "orgs.change_organization") == []


def test_scope_q_none_when_no_scope_and_empty_q_for_the_whole_tree():
    assert scope_q(FakeUser({}), "members.view_member", "org__path") is None
    q = scope_q(SYSTEM, "members.view_member", "org__path")
    assert q is not None and not q  # Q() – no condition at all
    q = scope_q(
        FakeUser({"members.view_member": ["0001", "00010001", "0002"]}),
        "members.view_member",
        "org__path",
    )
    # the nested grant 00010001 is folded into 0001
    assert q == path_prefix_q("org__path", "0001") | path_prefix_q("org__path", "0002")


def test_system_actor_sees_everything_and_holds_every_global_perm():
    assert scope_paths(SYSTEM, "anything.view_thing") == [""]
    assert has_global_perm(SYSTEM, "audit.view_auditevent")
    assert not has_global_perm(None, "audit.view_auditevent")
    assert not has_global_perm(FakeUser({}), "audit.view_auditevent")  # no has_global_perm method


# --- against the database ------------------------------------------------------------


def names(qs) -> set[str]:
    return {str(obj) for obj in qs}


@pytest.fixture
def members(tree):
    from dangjian.members.models import Member

    def make(org, name):
        return Member.objects.create(
            org=org, name=name, gender="male", joined_on=dt.date(2012, 7, 1)
        )

    return {
        "unit_a": make(tree.unit_a, "甲机关"),
        "branch_a": make(tree.branch_a, "甲支部"),
        "group_a": make(tree.group_a, "甲小组"),
        "branch_b": make(tree.branch_b, "乙支部"),
    }


def test_branch_secretary_sees_own_subtree_only(tree, members, make_user):
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    secretary = make_user(role="branch_secretary", org=tree.branch_a)
    assert names(Organization.objects.restrict(secretary, "view")) == {
        tree.branch_a.name,
        tree.group_a.name,
    }
    assert names(Member.objects.restrict(secretary, "view")) == {"甲支部", "甲小组"}
    assert names(Member.objects.restrict(secretary, "change")) == {"甲支部", "甲小组"}
    # The role manages terms, not the tree itself.
    assert not Organization.objects.restrict(secretary, "change").exists()


def test_multiple_assignments_are_a_union_in_one_query(tree, members, make_user):
    from dangjian.accounts.models import RoleAssignment
    from dangjian.members.models import Member

    user = make_user(role="viewer", org=tree.branch_a)
    RoleAssignment.objects.create(user=user, role="viewer", org=tree.unit_b)
    RoleAssignment.objects.create(
        user=user, role="viewer", org=tree.group_a
    )  # nested: adds nothing
    user = type(user).objects.get(pk=user.pk)  # fresh grant cache
    with CaptureQueriesContext(connection) as ctx:
        found = names(Member.objects.restrict(user, "view"))
    assert found == {"甲支部", "甲小组", "乙支部"}
    # One query for the grants, one for the rows; the nested grant is folded away.
    assert len(ctx.captured_queries) == 2
    rows_sql = ctx.captured_queries[-1]["sql"]
    # one subtree condition per minimal grant (a LIKE prefix, or a range on SQLite: core/db.py)
    marker = ">=" if connection.vendor == "sqlite" else "LIKE"
    assert rows_sql.upper().count(marker) == 2


def test_viewer_cannot_change_and_inactive_user_sees_nothing(tree, members, make_user):
    from dangjian.members.models import Member

    viewer = make_user(role="viewer", org=tree.root)
    assert len(names(Member.objects.restrict(viewer, "view"))) == 4
    assert not Member.objects.restrict(viewer, "change").exists()
    assert not Member.objects.restrict(viewer, "delete").exists()

    inactive = make_user(role="committee_admin", org=tree.root, is_active=False)
    assert not Member.objects.restrict(inactive, "view").exists()
    assert not has_any_scope(inactive, Member, "view")


def test_global_admin_roles_see_no_member_data(tree, members, make_user):
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    sysadmin = make_user(role="system_admin")
    assert has_global_perm(sysadmin, "accounts.view_user")
    assert not has_global_perm(sysadmin, "audit.view_auditevent")
    assert not Member.objects.restrict(sysadmin, "view").exists()
    assert not Organization.objects.restrict(sysadmin, "view").exists()
    assert not has_any_scope(sysadmin, Member, "view")

    auditor = make_user(role="audit_admin")
    assert has_global_perm(auditor, "audit.view_auditevent")
    assert not Member.objects.restrict(auditor, "view").exists()


def test_system_actor_and_within(tree, members):
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    assert Member.objects.restrict(SYSTEM, "delete").count() == 4
    assert names(Organization.objects.restrict(SYSTEM).within(tree.unit_a)) == {
        tree.unit_a.name,
        tree.branch_a.name,
        tree.group_a.name,
    }
    assert names(Member.objects.restrict(SYSTEM).within(tree.branch_a)) == {"甲支部", "甲小组"}


def test_anonymous_user_sees_nothing(tree, members):
    from django.contrib.auth.models import AnonymousUser

    from dangjian.members.models import Member

    assert not Member.objects.restrict(AnonymousUser(), "view").exists()
    assert not has_any_scope(AnonymousUser(), Member, "view")


def test_restrict_follows_scope_path_field_through_relations(tree, members, make_user):
    from dangjian.members.models import Exemption

    Exemption.objects.create(
        member=members["group_a"], reason="elderly_infirm", starts_on=dt.date(2024, 1, 1)
    )
    Exemption.objects.create(
        member=members["branch_b"], reason="long_absence", starts_on=dt.date(2024, 1, 1)
    )
    secretary = make_user(role="branch_secretary", org=tree.branch_a)
    assert [e.member.name for e in Exemption.objects.restrict(secretary, "view")] == ["甲小组"]
    assert perm_name(Exemption, "view") == "members.view_exemption"


def test_path_prefix_q_selects_exactly_the_subtree(tree):
    """The SQLite range form and the LIKE form agree with a plain prefix test on every node."""
    from dangjian.orgs.models import Organization

    all_paths = list(Organization.objects.values_list("path", flat=True))
    for org in Organization.objects.all():
        found = set(
            Organization.objects.filter(path_prefix_q("path", org.path)).values_list(
                "path", flat=True
            )
        )
        assert found == {p for p in all_paths if p.startswith(org.path)}


def test_holds_is_the_path_check_and_holding_the_org_queryset(tree, make_user):
    from dangjian.orgs.models import Organization

    secretary = make_user(role="branch_secretary", org=tree.branch_a)
    perm = "activities.add_activity"
    assert holds(secretary, perm, tree.branch_a.path)
    assert holds(secretary, perm, tree.group_a.path)  # granted above it
    assert not holds(secretary, perm, tree.unit_a.path)  # above the grant
    assert not holds(secretary, perm, tree.branch_b.path)
    assert not holds(secretary, "assessments.add_campaign", tree.branch_a.path)
    assert names(Organization.objects.holding(secretary, perm)) == {
        tree.branch_a.name,
        tree.group_a.name,
    }
    assert not Organization.objects.holding(secretary, "assessments.add_campaign").exists()
    assert Organization.objects.holding(SYSTEM, perm).count() == Organization.objects.count()
    assert holds(SYSTEM, perm, tree.branch_b.path)
