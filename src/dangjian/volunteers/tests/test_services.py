"""The write rules and their Chinese messages; a refused write leaves the database as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.volunteers import services
from dangjian.volunteers.models import (
    CommunityFeedback,
    CommunityRegistration,
    TaskForce,
    TaskForceMember,
)

from .factories import CommunityFactory, MemberFactory, RegistrationFactory, TaskForceFactory

pytestmark = pytest.mark.django_db


def refused(call, field: str, text: str, model) -> None:
    before = model.objects.count()
    with pytest.raises(ValidationError) as info:
        call()
    messages = info.value.message_dict.get(field, [])
    assert any(text in m for m in messages), info.value.message_dict
    assert model.objects.count() == before


@pytest.fixture
def unit_admin(tree, make_user):
    return make_user("unit_admin", tree.unit_a)


@pytest.fixture
def community(tree):
    return CommunityFactory(org=tree.root, name="东湖社区")


def test_a_registration_is_written_and_audited(tree, unit_admin, community):
    reg = services.save_registration(
        unit_admin,
        CommunityRegistration(),
        org=tree.unit_a,
        community=community,
        starts_on=dt.date(2024, 3, 1),
    )
    assert reg.pk and reg.member_id is None
    assert AuditEvent.objects.filter(
        action="create", object_type="volunteers.communityregistration", object_id=str(reg.pk)
    ).exists()


def test_end_before_start_is_refused(tree, unit_admin, community):
    refused(
        lambda: services.save_registration(
            unit_admin,
            CommunityRegistration(),
            org=tree.unit_a,
            community=community,
            starts_on=dt.date(2024, 3, 1),
            ends_on=dt.date(2024, 2, 28),
        ),
        "ends_on",
        "结束日期不能早于开始日期",
        CommunityRegistration,
    )


def test_a_second_active_registration_of_a_member_is_refused(tree, unit_admin, community):
    member = MemberFactory(org=tree.branch_a)
    other = CommunityFactory(org=tree.root, name="西湖社区")
    RegistrationFactory(
        org=tree.branch_a, member=member, community=community, starts_on=dt.date(2024, 1, 10)
    )
    refused(
        lambda: services.save_registration(
            unit_admin,
            CommunityRegistration(),
            member=member,
            community=other,
            starts_on=dt.date(2024, 6, 1),
        ),
        "member",
        "同一时间只能在一个居住地社区报到",
        CommunityRegistration,
    )


def test_a_member_may_move_once_the_old_registration_ends(tree, unit_admin, community):
    member = MemberFactory(org=tree.branch_a)
    RegistrationFactory(
        org=tree.branch_a,
        member=member,
        community=community,
        starts_on=dt.date(2023, 1, 10),
        ends_on=dt.date(2024, 5, 31),
    )
    other = CommunityFactory(org=tree.root, name="西湖社区")
    reg = services.save_registration(
        unit_admin,
        CommunityRegistration(),
        member=member,
        community=other,
        starts_on=dt.date(2024, 6, 1),
    )
    assert reg.org_id == tree.branch_a.pk  # the member's own org
    # and the day the old one still ran is refused
    refused(
        lambda: services.save_registration(
            unit_admin,
            CommunityRegistration(),
            member=member,
            community=community,
            starts_on=dt.date(2024, 5, 31),
            ends_on=dt.date(2024, 5, 31),
        ),
        "member",
        "同一时间只能在一个居住地社区报到",
        CommunityRegistration,
    )


def test_a_party_group_cannot_register(tree, unit_admin, community):
    refused(
        lambda: services.save_registration(
            unit_admin,
            CommunityRegistration(),
            org=tree.group_a,
            community=community,
            starts_on=dt.date(2024, 3, 1),
        ),
        "org",
        "只有机关党组织、党委、党总支或党支部可以到社区报到",
        CommunityRegistration,
    )


def test_dates_out_of_range_are_refused(tree, unit_admin, community):
    refused(
        lambda: services.save_registration(
            unit_admin,
            CommunityRegistration(),
            org=tree.unit_a,
            community=community,
            starts_on=dt.date(1800, 1, 1),
        ),
        "starts_on",
        "日期超出范围",
        CommunityRegistration,
    )


def test_feedback_needs_a_registration_with_that_community(tree, unit_admin, community):
    RegistrationFactory(org=tree.unit_a, community=community, starts_on=dt.date(2024, 3, 1))
    elsewhere = CommunityFactory(org=tree.root, name="西湖社区")
    refused(
        lambda: services.save_feedback(
            unit_admin,
            CommunityFeedback(),
            community=elsewhere,
            org=tree.unit_a,
            year=2024,
            rating="good",
            given_on=dt.date(2024, 12, 1),
        ),
        "org",
        "2024年未在该社区报到",
        CommunityFeedback,
    )
    # registered only from 2024 on: no feedback for 2023
    refused(
        lambda: services.save_feedback(
            unit_admin,
            CommunityFeedback(),
            community=community,
            org=tree.unit_a,
            year=2023,
            rating="good",
            given_on=dt.date(2024, 1, 5),
        ),
        "org",
        "2023年未在该社区报到",
        CommunityFeedback,
    )
    fb = services.save_feedback(
        unit_admin,
        CommunityFeedback(),
        community=community,
        org=tree.unit_a,
        year=2024,
        rating="good",
        given_on=dt.date(2024, 12, 1),
    )
    assert fb.recorded_by_id == tree.unit_a.pk  # the unit's side recorded it


def test_feedback_by_the_committee_is_recorded_on_its_side(tree, make_user, community):
    RegistrationFactory(org=tree.unit_a, community=community, starts_on=dt.date(2024, 3, 1))
    fb = services.save_feedback(
        make_user("committee_admin", tree.root),
        CommunityFeedback(),
        community=community,
        org=tree.unit_a,
        year=2024,
        rating="excellent",
        given_on=dt.date(2024, 12, 1),
    )
    assert fb.recorded_by_id == tree.root.pk


@pytest.mark.parametrize("year", [1999, 2101, 3000])
def test_feedback_years_out_of_range_are_refused(tree, unit_admin, community, year):
    refused(
        lambda: services.save_feedback(
            unit_admin,
            CommunityFeedback(),
            community=community,
            org=tree.unit_a,
            year=year,
            rating="good",
            given_on=dt.date(2024, 12, 1),
        ),
        "year",
        "年度应为 2000 至",
        CommunityFeedback,
    )


def test_member_feedback_needs_the_member_registered(tree, unit_admin, community):
    member = MemberFactory(org=tree.branch_a)
    refused(
        lambda: services.save_feedback(
            unit_admin,
            CommunityFeedback(),
            community=community,
            member=member,
            year=2024,
            rating="good",
            given_on=dt.date(2024, 12, 1),
        ),
        "member",
        f"{member.name}2024年未在该社区报到",
        CommunityFeedback,
    )


def test_a_task_force_member_outside_the_org_is_refused(tree, unit_admin):
    tf = TaskForceFactory(org=tree.branch_a)
    outsider = MemberFactory(org=tree.unit_a)  # the unit itself, above the branch
    refused(
        lambda: services.save_task_force_member(
            unit_admin,
            TaskForceMember(task_force=tf),
            member=outsider,
            role="member",
            joined_on=dt.date(2024, 4, 1),
        ),
        "member",
        "不属于甲局第一党支部及其下级党组织",
        TaskForceMember,
    )


def test_a_task_force_member_joins_within_the_dates(tree, unit_admin):
    tf = TaskForceFactory(org=tree.branch_a, starts_on=dt.date(2024, 3, 1))
    member = MemberFactory(org=tree.group_a.get_parent())
    refused(
        lambda: services.save_task_force_member(
            unit_admin,
            TaskForceMember(task_force=tf),
            member=member,
            role="member",
            joined_on=dt.date(2024, 2, 1),
        ),
        "joined_on",
        "加入日期不能早于突击队组建日期",
        TaskForceMember,
    )
    row = services.save_task_force_member(
        unit_admin,
        TaskForceMember(task_force=tf),
        member=member,
        role="leader",
        joined_on=dt.date(2024, 3, 1),
    )
    refused(
        lambda: services.save_task_force_member(
            unit_admin,
            TaskForceMember(task_force=tf),
            member=member,
            role="member",
            joined_on=dt.date(2024, 3, 2),
        ),
        "member",
        "已是该突击队队员",
        TaskForceMember,
    )
    # the task force cannot start after a member joined
    refused(
        lambda: services.save_task_force(unit_admin, tf, starts_on=dt.date(2024, 4, 1)),
        "starts_on",
        "已有队员的加入日期早于组建日期",
        TaskForce,
    )
    assert row.pk


def test_a_task_force_ending_before_it_starts_is_refused(tree, unit_admin):
    refused(
        lambda: services.save_task_force(
            unit_admin,
            TaskForce(),
            org=tree.unit_a,
            name="攻关组",
            project="数字机关",
            starts_on=dt.date(2024, 3, 1),
            ends_on=dt.date(2024, 1, 1),
        ),
        "ends_on",
        "结束日期不能早于开始日期",
        TaskForce,
    )


def test_a_community_in_use_is_not_deleted(tree, make_user, community):
    RegistrationFactory(org=tree.unit_a, community=community)
    with pytest.raises(ValidationError) as info:
        services.delete_community(make_user("committee_admin", tree.root), community)
    assert "已有双报到登记" in str(info.value)
    community.refresh_from_db()


def test_the_api_answers_a_bad_registration_with_a_chinese_400(client, tree, unit_admin, community):
    client.force_login(unit_admin)
    before = CommunityRegistration.objects.count()
    resp = client.post(
        "/api/community-registrations/",
        {
            "org": tree.unit_a.pk,
            "community": community.pk,
            "starts_on": "2024-03-01",
            "ends_on": "2024-01-01",
        },
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert "结束日期不能早于开始日期" in resp.content.decode()
    assert CommunityRegistration.objects.count() == before
    resp = client.post(
        "/api/community-feedback/",
        {
            "org": tree.unit_a.pk,
            "community": community.pk,
            "year": 99999,
            "rating": "good",
            "given_on": "2024-12-01",
        },
        content_type="application/json",
    )
    assert resp.status_code == 400


def test_the_feedback_api_filters_by_year(client, tree, make_user, community):
    from .factories import FeedbackFactory

    RegistrationFactory(org=tree.unit_a, community=community, starts_on=dt.date(2023, 1, 1))
    FeedbackFactory(community=community, org=tree.unit_a, recorded_by=tree.unit_a, year=2023)
    FeedbackFactory(community=community, org=tree.unit_a, recorded_by=tree.unit_a, year=2024)
    client.force_login(make_user("unit_admin", tree.unit_a))
    rows = client.get("/api/community-feedback/?year=2024").json()["results"]
    assert [r["year"] for r in rows] == [2024]
    assert client.get("/api/community-feedback/?year=0").status_code == 400
    page = client.get("/volunteers/feedback/?year=2023").content.decode()
    assert page.count('href="/volunteers/feedback/') >= 1
