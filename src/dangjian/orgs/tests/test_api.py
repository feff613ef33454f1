"""The org API: filters, member counts, writes through services, 400/404 answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from dangjian.orgs.models import CommitteePost, Organization, Term

from .helpers import all_paths, make_member, make_members, make_term

pytestmark = pytest.mark.django_db


def ids(resp) -> set[int]:
    assert resp.status_code == 200, resp.content
    return {row["id"] for row in resp.json()["results"]}


@pytest.fixture
def admin(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    return client


class TestOrgList:
    def test_fields_and_filters(self, admin, tree):
        resp = admin.get("/api/orgs/", {"kind": "branch"})
        assert resp.json()["count"] == 2
        row = next(r for r in resp.json()["results"] if r["id"] == tree.branch_a.pk)
        assert row["parent"] == tree.unit_a.pk and row["kind_label"] == "党支部"
        assert (
            row["path"] == tree.branch_a.path
            and row["depth"] == 3
            and row["unit"] == tree.dept_a.pk
        )
        assert row["established_on"] == "2015-03-01" and row["status"] == "active"
        assert row["term_status"] == "no_data" and "member_count" not in row
        assert ids(admin.get("/api/orgs/", {"parent": tree.unit_a.pk})) == {tree.branch_a.pk}
        assert ids(admin.get("/api/orgs/", {"within": tree.unit_a.pk})) == {
            tree.unit_a.pk,
            tree.branch_a.pk,
            tree.group_a.pk,
        }
        assert ids(admin.get("/api/orgs/", {"q": "小组"})) == {tree.group_a.pk}
        roots = admin.get("/api/orgs/", {"kind": "committee"}).json()["results"]
        assert roots[0]["parent"] is None

    def test_member_count_on_request(self, admin, tree):
        make_members(tree.group_a, 2)
        make_members(tree.branch_b, 1)
        make_members(tree.branch_b, 4, membership="deceased")
        rows = {
            r["id"]: r["member_count"]
            for r in admin.get("/api/orgs/", {"member_count": "1"}).json()["results"]
        }
        assert rows[tree.root.pk] == 3 and rows[tree.unit_a.pk] == 2 and rows[tree.branch_b.pk] == 1

    def test_bad_filter_values_are_400(self, admin, tree, client, make_user):
        assert admin.get("/api/orgs/", {"kind": "nonsense"}).status_code == 400
        assert admin.get("/api/orgs/", {"within": "abc"}).status_code == 400
        client.force_login(make_user("viewer", tree.unit_a))
        assert client.get("/api/orgs/", {"within": tree.unit_b.pk}).status_code == 400

    def test_pagination(self, admin, tree):
        resp = admin.get("/api/orgs/", {"per_page": 2})
        body = resp.json()
        assert body["count"] == 6 and len(body["results"]) == 2 and body["next"]


class TestOrgWrites:
    def test_create_under_parent(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.post(
            "/api/orgs/",
            {"parent": tree.unit_a.pk, "kind": "general_branch", "name": "甲局机关总支"},
            content_type="application/json",
        )
        assert resp.status_code == 201, resp.content
        body = resp.json()
        assert body["parent"] == tree.unit_a.pk and body["unit"] == tree.dept_a.pk
        assert body["path"].startswith(tree.unit_a.path)

    def test_wrong_kind_is_400_with_chinese_message(self, admin, tree):
        resp = admin.post(
            "/api/orgs/",
            {"parent": tree.unit_a.pk, "kind": "party_group", "name": "x"},
            content_type="application/json",
        )
        assert resp.status_code == 400
        assert resp.json()["parent"] == [
            "机关党组织下不能设立党小组（可设立：党组、党委、党总支、党支部）。"
        ]

    def test_wrong_types_are_400(self, admin, tree):
        resp = admin.post(
            "/api/orgs/",
            {"parent": "abc", "kind": 5, "name": "", "established_on": "yesterday"},
            content_type="application/json",
        )
        assert resp.status_code == 400
        assert {"parent", "kind", "name", "established_on"} <= set(resp.json())
        resp = admin.post(
            "/api/orgs/", {"kind": "branch", "name": "无上级"}, content_type="application/json"
        )
        assert resp.status_code == 400 and "parent" in resp.json()

    def test_parent_visible_but_not_writable_is_404(self, client, tree, make_user):
        user = make_user("viewer", tree.root)
        apps.get_model("accounts", "RoleAssignment").objects.create(
            user=user, role="unit_admin", org=tree.unit_a
        )
        client.force_login(user)
        before = Organization.objects.count()
        resp = client.post(
            "/api/orgs/",
            {"parent": tree.unit_b.pk, "kind": "branch", "name": "越权"},
            content_type="application/json",
        )
        assert resp.status_code == 404 and Organization.objects.count() == before

    def test_move_outside_scope_is_refused_and_rolled_back(self, client, tree, make_user):
        user = make_user("viewer", tree.root)
        apps.get_model("accounts", "RoleAssignment").objects.create(
            user=user, role="unit_admin", org=tree.unit_a
        )
        client.force_login(user)
        before = all_paths()
        resp = client.patch(
            f"/api/orgs/{tree.branch_a.pk}/",
            {"parent": tree.unit_b.pk, "name": "改名"},
            content_type="application/json",
        )
        assert resp.status_code == 404
        assert all_paths() == before
        assert Organization.objects.get(pk=tree.branch_a.pk).name == tree.branch_a.name

    def test_move_and_rename(self, admin, tree):
        resp = admin.patch(
            f"/api/orgs/{tree.branch_a.pk}/",
            {"parent": tree.unit_b.pk, "short_name": "一支部"},
            content_type="application/json",
        )
        assert resp.status_code == 200, resp.content
        assert resp.json()["parent"] == tree.unit_b.pk and resp.json()["short_name"] == "一支部"

    def test_update_out_of_scope_is_404(self, client, tree, make_user):
        client.force_login(make_user("unit_admin", tree.unit_a))
        resp = client.patch(
            f"/api/orgs/{tree.branch_b.pk}/", {"name": "x"}, content_type="application/json"
        )
        assert resp.status_code == 404

    def test_delete_is_not_offered_dissolve_is(self, admin, tree):
        assert admin.delete(f"/api/orgs/{tree.group_a.pk}/").status_code == 405
        resp = admin.post(
            f"/api/orgs/{tree.group_a.pk}/dissolve/",
            {"dissolved_on": "2024-05-01"},
            content_type="application/json",
        )
        assert resp.status_code == 200 and resp.json()["status"] == "dissolved"
        resp = admin.post(
            f"/api/orgs/{tree.unit_a.pk}/dissolve/", {}, content_type="application/json"
        )
        assert resp.status_code == 400 and "下级还有未撤销的组织" in resp.json()["status"][0]


class TestTermApi:
    def test_create_renews_and_reports_status(self, client, tree, make_user):
        old = make_term(tree.branch_a, dt.date(2018, 4, 1), number=1)
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            "/api/terms/",
            {"org": tree.branch_a.pk, "started_on": "2021-04-01"},
            content_type="application/json",
        )
        assert resp.status_code == 201, resp.content
        body = resp.json()
        assert (
            body["number"] == 2
            and body["planned_end_on"] == "2024-04-01"
            and body["status"] == "overdue"
        )
        assert body["status_label"] == "已超期"
        old.refresh_from_db()
        assert old.ended_on == dt.date(2021, 4, 1)
        rows = client.get("/api/terms/", {"org": tree.branch_a.pk}).json()["results"]
        assert {r["status"] for r in rows} == {"overdue", "ended"}
        assert ids(client.get("/api/terms/", {"current": "true"})) == {body["id"]}

    def test_bad_input(self, client, tree, make_user):
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            "/api/terms/",
            {"org": tree.branch_a.pk, "started_on": "not a date"},
            content_type="application/json",
        )
        assert resp.status_code == 400 and "started_on" in resp.json()
        resp = client.post(
            "/api/terms/",
            {"org": tree.group_a.pk, "started_on": "2021-01-01"},
            content_type="application/json",
        )
        assert resp.status_code == 400 and "不实行任期制" in resp.json()["org"][0]
        resp = client.post(
            "/api/terms/",
            {"org": tree.branch_a.pk, "started_on": "2999-01-01"},
            content_type="application/json",
        )
        assert resp.status_code == 400
        assert Term.objects.count() == 0

    def test_update_cannot_change_org_and_recomputes(self, client, tree, make_user):
        term = make_term(tree.branch_a, dt.date(2021, 4, 1))
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.patch(
            f"/api/terms/{term.pk}/",
            {"started_on": "2021-06-01", "org": tree.branch_b.pk},
            content_type="application/json",
        )
        assert resp.status_code == 200, resp.content
        assert (
            resp.json()["org"] == tree.branch_a.pk and resp.json()["planned_end_on"] == "2024-06-01"
        )


class TestCommitteePostApi:
    def test_assign_and_dismiss(self, client, tree, make_user):
        term = make_term(tree.branch_a, dt.date(2021, 4, 1))
        member = make_member(tree.branch_a, name="赵书记")
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            "/api/committee-posts/",
            {"term": term.pk, "member": member.pk, "post": "secretary"},
            content_type="application/json",
        )
        assert resp.status_code == 201, resp.content
        body = resp.json()
        assert (
            body["member_name"] == "赵书记"
            and body["post_label"] == "书记"
            and body["org"] == tree.branch_a.pk
        )
        resp = client.post(
            f"/api/committee-posts/{body['id']}/dismiss/",
            {"dismissed_on": "2022-01-01"},
            content_type="application/json",
        )
        assert resp.status_code == 200 and resp.json()["dismissed_on"] == "2022-01-01"
        assert ids(client.get("/api/committee-posts/", {"active": "true"})) == set()
        term.refresh_from_db()
        assert term.ended_on is None

    def test_second_secretary_is_400(self, client, tree, make_user):
        term = make_term(tree.branch_a, dt.date(2021, 4, 1))
        CommitteePost.objects.create(term=term, member=make_member(tree.branch_a), post="secretary")
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            "/api/committee-posts/",
            {"term": term.pk, "member": make_member(tree.branch_a).pk, "post": "secretary"},
            content_type="application/json",
        )
        assert resp.status_code == 400 and "本届已有书记" in resp.json()["post"][0]

    def test_member_outside_scope_is_400(self, client, tree, make_user):
        term = make_term(tree.branch_a, dt.date(2021, 4, 1))
        client.force_login(make_user("branch_secretary", tree.branch_a))
        resp = client.post(
            "/api/committee-posts/",
            {"term": term.pk, "member": make_member(tree.branch_b).pk, "post": "member"},
            content_type="application/json",
        )
        assert resp.status_code == 400 and "member" in resp.json()


def test_kind_grassroots_filter(admin, tree):
    assert ids(admin.get("/api/orgs/", {"kind": "grassroots"})) == {
        tree.branch_a.pk,
        tree.branch_b.pk,
    }
