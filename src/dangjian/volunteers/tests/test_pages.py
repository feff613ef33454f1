"""The pages: forms through the services, the coverage page's figures, the panels."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.activities.models import Activity, ActivityKind, Participation
from dangjian.volunteers import coverage
from dangjian.volunteers.models import CommunityRegistration, ServiceRecord, TaskForceMember

from .factories import CommunityFactory, MemberFactory, RegistrationFactory, TaskForceFactory

pytestmark = pytest.mark.django_db


def test_a_unit_registers_with_a_community_through_the_form(client, tree, make_user):
    community = CommunityFactory(org=tree.root, name="东湖社区")
    client.force_login(make_user("unit_admin", tree.unit_a))
    page = client.get("/volunteers/registrations/add/")
    assert page.status_code == 200 and "东湖社区" in page.content.decode()
    resp = client.post(
        "/volunteers/registrations/add/",
        {"org": tree.unit_a.pk, "community": community.pk, "starts_on": "2024-03-01"},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    reg = CommunityRegistration.objects.get()
    assert (reg.org_id, reg.member_id, reg.community_id) == (tree.unit_a.pk, None, community.pk)


def test_the_form_shows_the_services_message_and_writes_nothing(client, tree, make_user):
    community = CommunityFactory(org=tree.root)
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.post(
        "/volunteers/registrations/add/",
        {
            "org": tree.unit_a.pk,
            "community": community.pk,
            "starts_on": "2024-03-01",
            "ends_on": "2024-02-01",
        },
    )
    assert resp.status_code == 200
    assert "结束日期不能早于开始日期" in resp.content.decode()
    assert not CommunityRegistration.objects.exists()


def test_a_secretary_adds_task_force_members_on_its_page(client, tree, make_user):
    tf = TaskForceFactory(org=tree.branch_a)
    member = MemberFactory(org=tree.branch_a)
    outsider = MemberFactory(org=tree.branch_b)
    client.force_login(make_user("branch_secretary", tree.branch_a))
    page = client.get(f"/volunteers/task-forces/{tf.pk}/").content.decode()
    assert "添加队员" in page and member.name in page
    url = f"/volunteers/task-forces/{tf.pk}/members/add/"
    resp = client.post(url, {"member": outsider.pk, "role": "member", "joined_on": "2024-04-01"})
    assert resp.status_code == 200 and not TaskForceMember.objects.exists()
    resp = client.post(url, {"member": member.pk, "role": "leader", "joined_on": "2024-04-01"})
    assert resp.status_code == 302
    row = TaskForceMember.objects.get()
    assert (row.member_id, row.role) == (member.pk, "leader")


def test_coverage_counts_by_unit(client, tree, make_user):
    """Hand-counted: 甲局 has 3 members (2 registered in 2024, one of them only in 2023 —
    so 1), its branch registered; 乙局 2 members, none, unit not registered."""
    c = CommunityFactory(org=tree.root, name="东湖社区")
    a1, a2, _a3 = (MemberFactory(org=tree.branch_a) for _ in range(3))
    MemberFactory(org=tree.branch_b)
    MemberFactory(org=tree.branch_b)
    RegistrationFactory(org=tree.branch_a, community=c, starts_on=dt.date(2024, 2, 1))
    RegistrationFactory(org=tree.branch_a, member=a1, community=c, starts_on=dt.date(2024, 5, 1))
    RegistrationFactory(
        org=tree.branch_a,
        member=a2,
        community=c,
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2023, 12, 31),
    )
    user = make_user("committee_admin", tree.root)
    cov = coverage.build(user, 2024)
    rows = {r.org.name: r for r in cov.rows}
    assert (rows["甲局机关党委"].members, rows["甲局机关党委"].registered) == (3, 1)
    assert rows["甲局机关党委"].communities == ["东湖社区"]
    assert (rows["乙局机关党委"].members, rows["乙局机关党委"].registered) == (2, 0)
    assert rows["乙局机关党委"].communities == []
    assert (cov.members, cov.registered, cov.orgs_registered) == (5, 1, 1)
    assert coverage.build(user, 2023).registered == 1  # a2 then
    client.force_login(user)
    html = client.get("/volunteers/coverage/?year=2024").content.decode()
    assert "甲局机关党委" in html and "未报到" in html and "20.0%" in html


def test_a_unit_admin_lands_on_its_own_units_page(client, tree, make_user):
    c = CommunityFactory(org=tree.root, name="东湖社区")
    RegistrationFactory(org=tree.unit_a, community=c, starts_on=dt.date(2024, 2, 1))
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get("/volunteers/coverage/?year=2024").content.decode()
    assert "甲局机关党委 · 2024年双报到" in html
    assert "甲局第一党支部" in html  # its branches are the rows
    assert "乙局" not in html
    assert client.get("/volunteers/coverage/?within=99999999").status_code == 404
    assert client.get(f"/volunteers/coverage/?within={tree.unit_b.pk}").status_code == 404
    assert client.get("/volunteers/coverage/?year=abc").status_code == 200


def test_a_volunteer_activity_is_linked_to_a_community(client, tree, make_user):
    c = CommunityFactory(org=tree.root, name="东湖社区")
    act = Activity.objects.create(
        org=tree.branch_a,
        kind=ActivityKind.VOLUNTEER,
        title="社区义诊",
        held_on=dt.date(2024, 5, 1),
    )
    member = MemberFactory(org=tree.branch_a)
    Participation.objects.create(activity=act, member=member, hours="3.0")
    client.force_login(make_user("branch_secretary", tree.branch_a))
    page = client.get(f"/activities/{act.pk}/").content.decode()
    assert "关联服务社区" in page
    resp = client.post(
        f"/volunteers/services/add/?activity={act.pk}", {"activity": act.pk, "community": c.pk}
    )
    assert resp.status_code == 302, resp.content.decode()[:1500]
    assert ServiceRecord.objects.get().community_id == c.pk
    resp = client.get(f"/volunteers/communities/{c.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200, resp.status_code
    assert "社区义诊" in html
    assert "3.0 小时" in html
    # a meeting that is not volunteer service cannot be linked
    other = Activity.objects.create(
        org=tree.branch_a, kind="branch_meeting", title="支部党员大会", held_on=dt.date(2024, 5, 2)
    )
    resp = client.post("/volunteers/services/add/", {"activity": other.pk, "community": c.pk})
    assert resp.status_code == 200 and ServiceRecord.objects.count() == 1


def test_member_and_org_pages_show_the_panel(client, tree, make_user):
    c = CommunityFactory(org=tree.root, name="东湖社区")
    member = MemberFactory(org=tree.branch_a)
    RegistrationFactory(org=tree.branch_a, member=member, community=c)
    RegistrationFactory(org=tree.branch_a, community=c, starts_on=dt.date(2020, 1, 1))
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert "东湖社区" in client.get(f"/members/{member.pk}/").content.decode()
    html = client.get(f"/orgs/{tree.branch_a.pk}/").content.decode()
    assert "双报到与党员突击队" in html and "东湖社区" in html
