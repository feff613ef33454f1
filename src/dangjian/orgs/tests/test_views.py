"""HTML pages: org list filters, org detail, org and term forms, units."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from dangjian.orgs.models import CommitteePost, Organization, OrgKind, OrgStatus, Term

from .helpers import child, make_member, make_members, make_term

pytestmark = pytest.mark.django_db


def names(resp) -> set[str]:
    return {row.record.name for row in resp.context["table"].paginated_rows}


class TestOrganizationList:
    def test_filters(self, client, tree, make_user):
        client.force_login(make_user("committee_admin", tree.root))
        url = reverse("orgs:organization_list")
        assert names(client.get(url, {"kind": "branch"})) == {
            tree.branch_a.name,
            tree.branch_b.name,
        }
        assert names(client.get(url, {"parent": tree.unit_a.pk})) == {tree.branch_a.name}
        assert names(client.get(url, {"within": tree.unit_a.pk})) == {
            tree.unit_a.name,
            tree.branch_a.name,
            tree.group_a.name,
        }
        assert names(client.get(url, {"q": "乙局"})) == {tree.unit_b.name, tree.branch_b.name}
        assert names(client.get(url, {"term_status": "no_data"})) == {
            tree.unit_a.name,
            tree.unit_b.name,
            tree.branch_a.name,
            tree.branch_b.name,
        }
        assert names(client.get(url, {"status": "dissolved"})) == set()

    def test_rows_carry_parent_count_and_status(self, client, tree, make_user):
        make_members(tree.group_a, 2)
        make_term(tree.branch_a, dt.date(2010, 1, 1))
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.get(reverse("orgs:organization_list"))
        rows = {r.record.name: r.record for r in resp.context["table"].paginated_rows}
        assert set(rows) == {tree.unit_a.name, tree.branch_a.name, tree.group_a.name}
        branch = rows[tree.branch_a.name]
        assert branch.parent_name == tree.unit_a.name and branch.member_total == 2
        assert branch.term_status == "overdue"
        assert "已超期" in resp.content.decode()

    def test_within_outside_scope_shows_nothing_outside(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.get(reverse("orgs:organization_list"), {"within": tree.unit_b.pk})
        assert tree.branch_b.name not in names(resp)


class TestOrganizationDetail:
    def test_detail_shows_breadcrumb_committee_members_and_terms(self, client, tree, make_user):
        user = make_user("unit_admin", tree.unit_a)
        old = make_term(tree.branch_a, dt.date(2018, 1, 1), number=1, ended_on=dt.date(2021, 1, 1))
        current = make_term(tree.branch_a, dt.date(2021, 1, 1), number=2)
        secretary = make_member(tree.branch_a, name="李书记")
        CommitteePost.objects.create(term=current, member=secretary, post="secretary")
        gone = make_member(tree.branch_a, name="王离任")
        CommitteePost.objects.create(
            term=current, member=gone, post="member", dismissed_on=dt.date(2022, 1, 1)
        )
        make_members(tree.group_a, 3)
        client.force_login(user)
        resp = client.get(reverse("orgs:organization_detail", args=[tree.branch_a.pk]))
        body = resp.content.decode()
        assert [a.pk for a in resp.context["ancestors"]] == [tree.unit_a.pk]  # root not visible
        assert tree.root.name not in body
        assert resp.context["member_total"] == 5  # 2 direct + 3 in the 党小组
        assert [p.member.name for p in resp.context["posts"]] == ["李书记"]
        assert "王离任" not in [p.member.name for p in resp.context["posts"]]
        assert resp.context["current_term"] == current
        assert [t.pk for t in resp.context["terms"]] == [current.pk, old.pk]
        assert "第2届" in body and "已换届" in body
        assert f"?within={tree.branch_a.pk}" in body  # link to the member list, filtered
        assert resp.context["children"][0].member_total == 3

    def test_status_badge_values(self, client, tree, make_user):
        client.force_login(make_user("viewer", tree.unit_a))
        url = reverse("orgs:organization_detail", args=[tree.branch_a.pk])
        assert 'data-term-status="no_data"' in client.get(url).content.decode()
        make_term(tree.branch_a, timezone.localdate() - dt.timedelta(days=365 * 3 + 5))
        assert 'data-term-status="overdue"' in client.get(url).content.decode()

    def test_viewer_sees_no_edit_actions(self, client, tree, make_user):
        client.force_login(make_user("viewer", tree.unit_a))
        body = client.get(
            reverse("orgs:organization_detail", args=[tree.branch_a.pk])
        ).content.decode()
        assert reverse("orgs:organization_edit", args=[tree.branch_a.pk]) not in body
        assert reverse("orgs:term_add") not in body


class TestOrganizationForms:
    def test_add_form_limits_parent_and_kind_choices(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.get(reverse("orgs:organization_add"), {"parent": tree.branch_a.pk})
        form = resp.context["form"]
        assert set(form.fields["parent"].queryset) == {
            tree.unit_a,
            tree.branch_a,
        }  # a 党小组 has no children
        assert [c[0] for c in form.fields["kind"].choices if c[0]] == ["party_group"]
        resp = client.get(reverse("orgs:organization_add"), {"parent": tree.unit_a.pk})
        kinds = [c[0] for c in resp.context["form"].fields["kind"].choices if c[0]]
        assert kinds == ["leading_group", "party_committee", "general_branch", "branch"]

    def test_add_through_the_form(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.post(
            reverse("orgs:organization_add"),
            {
                "parent": tree.unit_a.pk,
                "kind": "branch",
                "name": "甲局第二党支部",
                "established_on": "2020-01-01",
            },
        )
        org = Organization.objects.get(name="甲局第二党支部")
        assert resp.status_code == 302 and resp["Location"] == org.get_absolute_url()
        assert org.path.startswith(tree.unit_a.path) and org.unit == tree.dept_a

    def test_wrong_kind_shows_the_chinese_message(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.post(
            reverse("orgs:organization_add"),
            {"parent": tree.unit_a.pk, "kind": "party_group", "name": "错"},
        )
        assert resp.status_code == 200
        assert "机关党组织下不能设立党小组" in resp.content.decode()
        assert not Organization.objects.filter(name="错").exists()

    def test_parent_outside_scope_is_an_invalid_choice(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.post(
            reverse("orgs:organization_add"),
            {"parent": tree.unit_b.pk, "kind": "branch", "name": "越权"},
        )
        assert resp.status_code == 200 and "parent" in resp.context["form"].errors
        assert not Organization.objects.filter(name="越权").exists()

    def test_edit_moves_and_renames_in_one_go(self, client, tree, make_user):
        client.force_login(make_user("committee_admin", tree.root))
        resp = client.post(
            reverse("orgs:organization_edit", args=[tree.branch_a.pk]),
            {"parent": tree.unit_b.pk, "kind": "branch", "name": "划转党支部"},
        )
        assert resp.status_code == 302
        org = Organization.objects.get(pk=tree.branch_a.pk)
        assert org.name == "划转党支部" and org.path.startswith(tree.unit_b.path)

    def test_failed_update_rolls_back_the_move(self, client, tree, make_user):
        client.force_login(make_user("committee_admin", tree.root))
        resp = client.post(
            reverse("orgs:organization_edit", args=[tree.branch_a.pk]),
            {
                "parent": tree.unit_b.pk,
                "kind": "branch",
                "name": "x",
                "unit": tree.dept_a.pk,
                "established_on": "2999-01-01",
            },
        )
        assert resp.status_code == 200
        assert Organization.objects.get(pk=tree.branch_a.pk).path.startswith(tree.unit_a.path)

    def test_move_to_a_parent_outside_the_add_scope_is_an_invalid_choice(
        self, client, tree, make_user
    ):
        user = make_user("viewer", tree.root)  # sees unit_b, manages only unit_a
        apps.get_model("accounts", "RoleAssignment").objects.create(
            user=user, role="unit_admin", org=tree.unit_a
        )
        client.force_login(user)
        resp = client.post(
            reverse("orgs:organization_edit", args=[tree.branch_a.pk]),
            {"parent": tree.unit_b.pk, "kind": "branch", "name": "x"},
        )
        assert resp.status_code == 200 and "parent" in resp.context["form"].errors
        assert Organization.objects.get(pk=tree.branch_a.pk).path.startswith(tree.unit_a.path)

    def test_dissolve_from_the_detail_page(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        url = reverse("orgs:organization_dissolve", args=[tree.group_a.pk])
        resp = client.post(url, {"dissolved_on": "2024-06-01"}, follow=True)
        assert "已撤销该组织" in resp.content.decode()
        assert Organization.objects.get(pk=tree.group_a.pk).status == OrgStatus.DISSOLVED
        resp = client.post(
            reverse("orgs:organization_dissolve", args=[tree.branch_b.pk]),
            {"dissolved_on": "2024-06-01"},
        )
        assert resp.status_code == 404


class TestTermForms:
    def test_add_term_ends_the_current_and_shows_the_rule(self, client, tree, make_user):
        old = make_term(tree.branch_a, dt.date(2018, 4, 1), number=1)
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.get(reverse("orgs:term_add"), {"org": tree.branch_a.pk})
        assert "任期 3 年" in resp.content.decode()
        assert set(resp.context["form"].fields["org"].queryset) == {
            tree.branch_a
        }  # 党小组 has no terms
        resp = client.post(
            reverse("orgs:term_add"), {"org": tree.branch_a.pk, "started_on": "2021-04-01"}
        )
        assert resp.status_code == 302
        old.refresh_from_db()
        new = Term.objects.get(org=tree.branch_a, ended_on__isnull=True)
        assert old.ended_on == dt.date(2021, 4, 1) and new.number == 2
        assert new.planned_end_on == dt.date(2024, 4, 1)

    def test_planned_end_is_not_typed(self, client, tree, make_user):
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            reverse("orgs:term_add"),
            {"org": tree.branch_a.pk, "started_on": "2021-04-01", "planned_end_on": "2030-01-01"},
        )
        assert resp.status_code == 302
        assert Term.objects.get(org=tree.branch_a).planned_end_on == dt.date(2024, 4, 1)

    def test_edit_term_with_error(self, client, tree, make_user):
        term = make_term(tree.branch_a, dt.date(2021, 4, 1))
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            reverse("orgs:term_edit", args=[term.pk]),
            {"started_on": "2021-04-01", "extension_approved": "on", "extended_to": "2026-01-01"},
        )
        assert resp.status_code == 200 and "不超过 1 年" in resp.content.decode()
        resp = client.post(
            reverse("orgs:term_edit", args=[term.pk]),
            {
                "started_on": "2021-05-01",
                "extension_approved": "on",
                "extended_to": "2024-11-01",
                "approval_document": "甲组发〔2024〕1号",
            },
        )
        assert resp.status_code == 302
        term.refresh_from_db()
        assert term.planned_end_on == dt.date(2024, 5, 1) and term.due_on == dt.date(2024, 11, 1)

    def test_term_of_another_branch_is_404(self, client, tree, make_user):
        term = make_term(tree.branch_b, dt.date(2021, 4, 1))
        client.force_login(make_user("branch_secretary", tree.branch_a))
        assert client.get(reverse("orgs:term_edit", args=[term.pk])).status_code == 404
        resp = client.post(
            reverse("orgs:term_add"), {"org": tree.branch_b.pk, "started_on": "2024-04-01"}
        )
        assert resp.status_code == 200 and "org" in resp.context["form"].errors


class TestUnits:
    def test_unit_detail_lists_its_orgs(self, client, tree, make_user):
        child(tree.branch_a, OrgKind.PARTY_GROUP, "第二党小组", unit=tree.dept_a)
        make_members(tree.branch_a, 2)
        client.force_login(make_user("viewer", tree.unit_a))
        resp = client.get(reverse("orgs:unit_detail", args=[tree.dept_a.pk]))
        assert {o.name for o in resp.context["orgs"]} == {
            tree.unit_a.name,
            tree.branch_a.name,
            tree.group_a.name,
            "第二党小组",
        }
        resp = client.get(reverse("orgs:unit_list"))
        assert [r.record.name for r in resp.context["table"].paginated_rows] == ["甲局"]
