"""Org, term and committee services: validation, scope, rollback, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from dangjian.core.scoping import SYSTEM
from dangjian.core.services import OutOfScope
from dangjian.orgs import services
from dangjian.orgs.models import CommitteePost, Organization, OrgKind, OrgStatus, Term

from .helpers import all_paths, make_member, make_term

pytestmark = pytest.mark.django_db


def events(action, obj):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    return AuditEvent.objects.filter(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


class TestCreateOrg:
    def test_party_group_under_unit_party_is_refused_in_chinese(self, tree, make_user):
        user = make_user("committee_admin", tree.root)
        with pytest.raises(ValidationError) as exc:
            services.create_org(user, tree.unit_a, kind=OrgKind.PARTY_GROUP, name="机关第一党小组")
        assert exc.value.message_dict["parent"] == [
            "机关党组织下不能设立党小组（可设立：党组、党委、党总支、党支部）。"
        ]
        assert not Organization.objects.filter(name="机关第一党小组").exists()

    def test_child_gets_path_unit_and_audit(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        org = services.create_org(user, tree.branch_a, kind=OrgKind.PARTY_GROUP, name="第二党小组")
        assert org.path.startswith(tree.branch_a.path) and org.depth == tree.branch_a.depth + 1
        assert org.unit == tree.dept_a  # inherited from the parent
        event = events("create", org).get()
        assert event.actor_id == user.pk and event.after["name"] == "第二党小组"
        assert Organization.objects.get(pk=tree.branch_a.pk).numchild == 2

    def test_stale_parent_instance_does_not_break_paths(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        stale = Organization.objects.get(pk=tree.unit_a.pk)
        first = services.create_org(user, stale, kind=OrgKind.BRANCH, name="第二党支部")
        second = services.create_org(user, stale, kind=OrgKind.BRANCH, name="第三党支部")
        assert len({first.path, second.path, tree.branch_a.path}) == 3

    def test_parent_outside_scope_is_refused_and_audited(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        before = Organization.objects.count()
        with pytest.raises(OutOfScope):
            services.create_org(user, tree.unit_b, kind=OrgKind.BRANCH, name="越权支部")
        assert Organization.objects.count() == before
        assert events("permission_denied", tree.unit_b).filter(outcome="failure").exists()

    def test_viewer_cannot_add(self, tree, make_user):
        with pytest.raises(OutOfScope):
            services.create_org(
                make_user("viewer", tree.unit_a), tree.branch_a, kind="party_group", name="x"
            )

    def test_new_root_only_for_the_whole_tree_actor(self, tree, make_user):
        with pytest.raises(OutOfScope):
            services.create_org(
                make_user("committee_admin", tree.root), None, kind="committee", name="另一工委"
            )
        root = services.create_org(SYSTEM, None, kind=OrgKind.COMMITTEE, name="另一工委")
        assert root.is_root()

    def test_unit_outside_scope_is_refused(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        with pytest.raises(ValidationError) as exc:
            services.create_org(
                user, tree.unit_a, kind=OrgKind.BRANCH, name="支部", unit=tree.dept_b
            )
        assert "unit" in exc.value.message_dict

    def test_future_established_date_is_refused(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        with pytest.raises(ValidationError) as exc:
            services.create_org(
                user,
                tree.unit_a,
                kind=OrgKind.BRANCH,
                name="支部",
                established_on=dt.date(2999, 1, 1),
            )
        assert "established_on" in exc.value.message_dict


class TestUpdateOrg:
    def test_update_is_audited_with_before_and_after(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        services.update_org(user, tree.branch_a, name="甲局机关第一党支部")
        event = events("update", tree.branch_a).get()
        assert (
            event.before["name"] == "甲局第一党支部" and event.after["name"] == "甲局机关第一党支部"
        )

    def test_kind_change_must_fit_parent_and_children(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        with pytest.raises(ValidationError) as exc:  # a 党委 may not hold a 党小组 directly
            services.update_org(user, tree.branch_a, kind=OrgKind.PARTY_COMMITTEE)
        assert "党小组" in exc.value.message_dict["kind"][0]
        with pytest.raises(ValidationError):  # a 党小组 may not sit under a 机关党组织
            services.update_org(user, tree.branch_a, kind=OrgKind.PARTY_GROUP)
        assert Organization.objects.get(pk=tree.branch_a.pk).kind == OrgKind.BRANCH

    def test_out_of_scope_update_is_refused(self, tree, make_user):
        with pytest.raises(OutOfScope):
            services.update_org(make_user("unit_admin", tree.unit_a), tree.branch_b, name="x")


class TestMoveOrg:
    def test_move_within_scope(self, tree, make_user):
        user = make_user("committee_admin", tree.root)
        moved = services.move_org(user, tree.branch_a, tree.unit_b)
        assert moved.path.startswith(tree.unit_b.path)
        group = Organization.objects.get(pk=tree.group_a.pk)
        assert group.path.startswith(moved.path)  # the subtree moves along
        event = events("update", moved).get()
        assert (
            event.detail["operation"] == "move" and event.detail["to_parent_id"] == tree.unit_b.pk
        )

    def test_move_out_of_scope_is_refused_and_rolled_back(self, tree, make_user):
        # Can see unit_b (viewer at the root) but manages only unit_a: the move is written,
        # then the re-check finds the org outside the change scope and rolls it all back.
        user = make_user("unit_admin", tree.unit_a)
        apps.get_model("accounts", "RoleAssignment").objects.create(
            user=user, role="viewer", org=tree.root
        )
        user = type(user).objects.get(pk=user.pk)
        before = all_paths()
        with pytest.raises(OutOfScope):
            services.move_org(user, tree.branch_a, tree.unit_b)
        assert all_paths() == before
        assert not events("update", tree.branch_a).exists()
        assert events("permission_denied", tree.branch_a).get().detail["operation"] == "move_org"

    def test_move_under_invisible_parent_is_refused(self, tree, make_user):
        before = all_paths()
        with pytest.raises(OutOfScope):
            services.move_org(make_user("unit_admin", tree.unit_a), tree.branch_a, tree.unit_b)
        assert all_paths() == before

    def test_move_to_wrong_kind_is_refused(self, tree, make_user):
        user = make_user("committee_admin", tree.root)
        before = all_paths()
        with pytest.raises(ValidationError) as exc:
            services.move_org(user, tree.group_a, tree.unit_b)
        assert "机关党组织下不能设立党小组" in exc.value.message_dict["parent"][0]
        with pytest.raises(ValidationError):
            services.move_org(user, tree.unit_a, tree.branch_a)  # into its own subtree
        assert all_paths() == before

    def test_move_and_change_kind_together(self, tree, make_user):
        # A 党支部 becomes a 党总支 and moves under a 党委: valid only with both changes.
        user = make_user("committee_admin", tree.root)
        committee = services.create_org(
            user, tree.unit_b, kind=OrgKind.PARTY_COMMITTEE, name="乙局机关党委"
        )
        services.move_org(user, tree.group_a, tree.branch_b)  # a 总支 may not hold 党小组
        org = services.update_org(
            user, tree.branch_a, parent=committee, kind=OrgKind.GENERAL_BRANCH
        )
        assert org.kind == OrgKind.GENERAL_BRANCH and org.path.startswith(committee.path)
        other = services.create_org(
            user, tree.unit_a, kind=OrgKind.PARTY_COMMITTEE, name="甲局第二党委"
        )
        with pytest.raises(ValidationError, match="党总支下不能设立党委"):
            services.update_org(user, other, parent=org)

    def test_update_with_refused_move_changes_nothing(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        apps.get_model("accounts", "RoleAssignment").objects.create(
            user=user, role="viewer", org=tree.root
        )
        user = type(user).objects.get(pk=user.pk)
        before = all_paths()
        with pytest.raises(OutOfScope):
            services.update_org(user, tree.branch_a, parent=tree.unit_b, name="改名")
        assert all_paths() == before
        assert Organization.objects.get(pk=tree.branch_a.pk).name == tree.branch_a.name


class TestDissolveOrg:
    def test_refused_while_children_or_members_remain(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        with pytest.raises(ValidationError, match="下级还有未撤销的组织"):
            services.dissolve_org(user, tree.branch_a, dt.date(2024, 6, 1))
        make_member(tree.group_a)
        with pytest.raises(ValidationError, match="1 名在册党员"):
            services.dissolve_org(user, tree.group_a, dt.date(2024, 6, 1))

    def test_dissolve_ends_the_current_term(self, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        org = services.create_org(user, tree.unit_a, kind=OrgKind.BRANCH, name="临时党支部")
        term = make_term(org, dt.date(2023, 1, 1))
        services.dissolve_org(user, org, dt.date(2024, 6, 1))
        org.refresh_from_db()
        term.refresh_from_db()
        assert org.status == OrgStatus.DISSOLVED and org.dissolved_on == dt.date(2024, 6, 1)
        assert term.ended_on == dt.date(2024, 6, 1)
        with pytest.raises(ValidationError, match="已撤销"):
            services.start_term(user, org, dt.date(2024, 7, 1))


class TestTerms:
    def test_start_term_keeps_the_chain(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        first = services.start_term(user, tree.branch_a, dt.date(2018, 4, 10), number=1)
        second = services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        first.refresh_from_db()
        assert first.ended_on == dt.date(2021, 4, 12)  # ends the day the next one starts
        assert second.number == 2 and second.ended_on is None
        assert second.planned_end_on == dt.date(2024, 4, 12)
        assert list(Term.objects.filter(org=tree.branch_a).order_by("started_on")) == [
            first,
            second,
        ]
        assert events("update", first).get().detail["operation"] == "term_renewal"
        assert events("create", second).exists()

    def test_new_term_must_start_after_the_current(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        with pytest.raises(ValidationError, match="应晚于当前届次"):
            services.start_term(user, tree.branch_a, dt.date(2020, 1, 1))
        assert Term.objects.filter(org=tree.branch_a).count() == 1

    def test_no_term_for_kinds_not_elected(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        with pytest.raises(ValidationError) as exc:
            services.start_term(user, tree.group_a, dt.date(2021, 4, 12))
        assert "党小组不实行任期制" in exc.value.message_dict["org"][0]

    def test_out_of_scope_term_is_refused(self, tree, make_user):
        with pytest.raises(OutOfScope):
            services.start_term(
                make_user("branch_secretary", tree.branch_a), tree.branch_b, dt.date(2021, 1, 1)
            )
        with pytest.raises(OutOfScope):  # a viewer holds no add_term
            services.start_term(
                make_user("viewer", tree.branch_a), tree.branch_a, dt.date(2021, 1, 1)
            )

    def test_update_term_recomputes_planned_end_and_refuses_overlap(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        first = services.start_term(user, tree.branch_a, dt.date(2018, 4, 10))
        second = services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        second = services.update_term(user, second, started_on=dt.date(2021, 5, 1))
        assert second.planned_end_on == dt.date(2024, 5, 1)
        with pytest.raises(ValidationError, match="重叠"):
            services.update_term(user, first, ended_on=dt.date(2022, 1, 1))

    def test_extension_rules(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        term = services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        with pytest.raises(ValidationError, match="不超过 1 年"):
            services.update_term(
                user, term, extension_approved=True, extended_to=dt.date(2025, 6, 1)
            )
        term = services.update_term(
            user, term, extension_approved=True, extended_to=dt.date(2024, 10, 12)
        )
        assert term.due_on == dt.date(2024, 10, 12)


class TestCommitteePosts:
    def test_assign_and_dismiss_do_not_touch_the_term(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        term = services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        member = make_member(tree.group_a)  # a member of a sub-org may serve on the committee
        post = services.assign_post(user, term, member, CommitteePost.Post.SECRETARY)
        assert post.assigned_on == term.started_on
        services.dismiss_post(user, post, dt.date(2022, 3, 1))
        post.refresh_from_db()
        term.refresh_from_db()
        assert post.dismissed_on == dt.date(2022, 3, 1)
        assert term.ended_on is None and Term.objects.filter(org=tree.branch_a).count() == 1
        assert events("update", post).get().detail["operation"] == "dismiss"

    def test_one_secretary_per_term(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        term = services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        first = make_member(tree.branch_a, name="张伟")
        services.assign_post(user, term, first, "secretary")
        with pytest.raises(ValidationError, match="本届已有书记（张伟）"):
            services.assign_post(user, term, make_member(tree.branch_a), "secretary")

    def test_member_must_belong_to_the_org(self, tree, make_user):
        user = make_user("committee_admin", tree.root)
        term = make_term(tree.branch_a, dt.date(2021, 4, 12))
        with pytest.raises(ValidationError, match="在册党员"):
            services.assign_post(user, term, make_member(tree.branch_b), "secretary")
        with pytest.raises(ValidationError, match="在册党员"):
            services.assign_post(
                user, term, make_member(tree.branch_a, membership="transferred_out"), "member"
            )

    def test_ended_term_takes_no_posts(self, tree, make_user):
        user = make_user("branch_secretary", tree.branch_a)
        old = services.start_term(user, tree.branch_a, dt.date(2018, 4, 10))
        services.start_term(user, tree.branch_a, dt.date(2021, 4, 12))
        with pytest.raises(ValidationError, match="已结束"):
            services.assign_post(user, old, make_member(tree.branch_a), "member")
