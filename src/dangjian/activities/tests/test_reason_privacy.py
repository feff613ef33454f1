"""A member's leave or absence reason (e.g. 病假) is read by those who manage the activity's
org and by the member it is about — never by the other members (issue 9), on the activity
page or through the participations API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.activities import services
from dangjian.members.models import Member

from .conftest import DAY, make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(tree, writer):
    members = make_members(tree.branch_a, 4)
    activity = services.record_activity(
        writer,
        tree.branch_a,
        {"kind": "member_assembly", "title": "五月支部党员大会", "held_on": DAY},
        [
            {"member": members[0].pk, "status": "leave", "reason": "病假"},
            {"member": members[1].pk, "status": "absent", "reason": "家中有事"},
            {"member": members[2].pk},
            {"member": members[3].pk},
        ],
    )
    return activity, members


def _page(client, activity) -> str:
    resp = client.get(reverse("activities:activity_detail", args=[activity.pk]))
    assert resp.status_code == 200
    return resp.content.decode()


def _api_reasons(client, activity) -> dict[int, str]:
    resp = client.get(f"/api/participations/?activity={activity.pk}")
    assert resp.status_code == 200
    return {row["member"]: row["reason"] for row in resp.json()["results"]}


def test_a_member_sees_their_own_reason_only(client, meeting, make_user, tree):
    activity, members = meeting
    user = make_user("party_member", tree.branch_a)
    Member.objects.filter(pk=members[1].pk).update(account=user)
    client.force_login(user)
    text = _page(client, activity)
    assert "病假" not in text  # another member's
    assert "家中有事" in text  # their own
    assert members[1].name in text and members[0].name not in text  # only their own row
    assert "请假 1 人" in text and "缺席 1 人" in text  # the counts stay whole
    # The 党员 role reads no attendance through the API at all (decisions/0011).
    assert client.get(f"/api/participations/?activity={activity.pk}").status_code == 403


def test_members_and_viewers_see_no_reasons(client, meeting, make_user, tree):
    activity, members = meeting
    client.force_login(make_user("party_member", tree.branch_a))
    text = _page(client, activity)
    assert "病假" not in text and "家中有事" not in text and members[0].name not in text
    client.force_login(make_user("viewer", tree.unit_a))
    text = _page(client, activity)
    assert members[0].name in text  # a viewer lists who attended ...
    assert "病假" not in text and "家中有事" not in text  # ... but not why anyone was away
    reasons = _api_reasons(client, activity)
    assert len(reasons) == 4 and set(reasons.values()) == {""}


def test_those_who_manage_the_org_see_every_reason(client, meeting, writer, make_user, tree):
    activity, members = meeting
    for user in (writer, make_user("unit_admin", tree.unit_a)):
        client.force_login(user)
        text = _page(client, activity)
        assert "病假" in text and "家中有事" in text
        reasons = _api_reasons(client, activity)
        assert reasons[members[0].pk] == "病假" and reasons[members[1].pk] == "家中有事"
