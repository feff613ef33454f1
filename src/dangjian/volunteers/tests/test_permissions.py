"""The generic permission checks for every model of the app, and writes by side."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.activities.models import Activity, ActivityKind
from dangjian.core.testing.permissions import ApiWritePermissionTestMixin, PermissionTestMixin
from dangjian.core.testing.sides import CHECKING, WriteBySideTestMixin, WriteRequest
from dangjian.volunteers.models import (
    Community,
    CommunityFeedback,
    CommunityRegistration,
    ServiceRecord,
    TaskForce,
    TaskForceMember,
)

from .factories import (
    CommunityFactory,
    FeedbackFactory,
    MemberFactory,
    RegistrationFactory,
    TaskForceFactory,
    TaskForceMemberFactory,
)


def community_for(org):
    """A community kept by the org's 工委 root would be read by every unit: for scope
    tests the community is kept by the org itself."""
    return CommunityFactory(org=org)


class TestCommunityPermissions(ApiWritePermissionTestMixin):
    model = Community
    list_url = "volunteers:community_list"
    detail_url = "volunteers:community_detail"
    edit_url = "volunteers:community_edit"
    delete_url = "volunteers:community_delete"
    api_list = "/api/communities/"
    write_role = "committee_admin"  # units read communities; the 工委 keeps them

    def make_object(self, org):
        return community_for(org)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "name": f"{org.name}社区",
            "district": "东湖区",
            "street": "湖滨街道",
        }


@pytest.mark.django_db
def test_a_unit_reads_the_committees_communities_but_cannot_change_them(client, tree, make_user):
    kept = CommunityFactory(org=tree.root)
    user = make_user("unit_admin", tree.unit_a)
    assert Community.objects.restrict(user, "view").filter(pk=kept.pk).exists()
    assert not Community.objects.restrict(user, "change").filter(pk=kept.pk).exists()
    client.force_login(user)
    assert client.get(f"/volunteers/communities/{kept.pk}/").status_code == 200
    assert client.get(f"/volunteers/communities/{kept.pk}/edit/").status_code == 403
    resp = client.patch(f"/api/communities/{kept.pk}/", {"name": "改名"}, "application/json")
    assert resp.status_code in (403, 404)
    kept.refresh_from_db()
    assert kept.name != "改名"


class TestRegistrationPermissions(ApiWritePermissionTestMixin):
    model = CommunityRegistration
    list_url = "volunteers:registration_list"
    detail_url = "volunteers:registration_detail"
    edit_url = "volunteers:registration_edit"
    delete_url = "volunteers:registration_delete"
    api_list = "/api/community-registrations/"

    def make_object(self, org):
        return RegistrationFactory(org=org, community=CommunityFactory(org=org.get_root()))

    def api_payload(self, org):
        community = CommunityFactory(org=org.get_root())
        return {"org": org.pk, "community": community.pk, "starts_on": "2024-03-01"}


class TestFeedbackPermissions(PermissionTestMixin):
    model = CommunityFeedback
    list_url = "volunteers:feedback_list"
    detail_url = "volunteers:feedback_detail"
    edit_url = "volunteers:feedback_edit"
    delete_url = "volunteers:feedback_delete"
    api_list = "/api/community-feedback/"

    def make_object(self, org):
        community = CommunityFactory(org=org.get_root())
        RegistrationFactory(org=org, community=community)
        unit = org.get_ancestors().filter(depth=2).first() or org
        return FeedbackFactory(community=community, org=org, recorded_by=unit)


class TestTaskForcePermissions(ApiWritePermissionTestMixin):
    model = TaskForce
    list_url = "volunteers:taskforce_list"
    detail_url = "volunteers:taskforce_detail"
    edit_url = "volunteers:taskforce_edit"
    delete_url = "volunteers:taskforce_delete"
    other_write_urls = ("volunteers:taskforce_member_add",)
    api_list = "/api/task-forces/"

    def make_object(self, org):
        return TaskForceFactory(org=org)

    def api_payload(self, org):
        return {
            "org": org.pk,
            "name": "攻坚突击队",
            "project": "数字机关建设",
            "starts_on": "2024-03-01",
        }


class TestTaskForceMemberPermissions(PermissionTestMixin):
    model = TaskForceMember
    edit_url = "volunteers:taskforcemember_edit"
    delete_url = "volunteers:taskforcemember_delete"

    def make_object(self, org):
        tf = TaskForceFactory(org=org)
        return TaskForceMemberFactory(task_force=tf, member=MemberFactory(org=org))


class TestServiceRecordPermissions(PermissionTestMixin):
    model = ServiceRecord
    edit_url = "volunteers:servicerecord_edit"
    delete_url = "volunteers:servicerecord_delete"

    def make_object(self, org):
        activity = Activity.objects.create(
            org=org, kind=ActivityKind.VOLUNTEER, title="社区环境整治", held_on=dt.date(2024, 5, 1)
        )
        return ServiceRecord.objects.create(
            activity=activity, community=CommunityFactory(org=org.get_root())
        )


class TestFeedbackSides(WriteBySideTestMixin):
    """The 工委's feedback (recorded on the community's behalf) is not the unit's to change."""

    model = CommunityFeedback
    sides = {"change": CHECKING, "delete": CHECKING}
    api_detail = "/api/community-feedback/{pk}/"
    api_change = {"rating": "fair"}
    api_delete = True

    def make_object(self, tree):
        community = CommunityFactory(org=tree.root)
        RegistrationFactory(org=tree.branch_a, community=community)
        return FeedbackFactory(community=community, org=tree.branch_a, recorded_by=tree.root)

    def write_requests(self, obj):
        form = {
            "community": obj.community_id,
            "org": obj.org_id,
            "year": 2024,
            "rating": "poor",
            "text": "改写",
            "given_on": "2024-12-21",
        }
        return [
            WriteRequest(
                "change", "post", f"/volunteers/feedback/{obj.pk}/edit/", form, json=False
            ),
            WriteRequest("delete", "post", f"/volunteers/feedback/{obj.pk}/delete/", json=False),
        ]
