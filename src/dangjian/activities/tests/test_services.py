"""record_activity: validation first (nothing saved on error), expected attendees, quorum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.activities import attendance, services
from dangjian.activities.models import Activity, AgendaItem, Participation, ParticipationStatus
from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope

from .conftest import DAY, make_member

pytestmark = pytest.mark.django_db


def data(**overrides):
    base = {"kind": "member_assembly", "title": "第二季度党员大会", "held_on": DAY}
    base.update(overrides)
    return base


def nothing_saved():
    return not (
        Activity.objects.exists() or Participation.objects.exists() or AgendaItem.objects.exists()
    )


def test_records_assembly_with_expected_filled(branch, writer):
    attended = [m.pk for m in branch.everyone if m != branch.exempt][:5]
    activity = services.record_activity(
        writer,
        branch.org,
        data(),
        participations=[{"member": pk} for pk in attended],
        agenda=[
            {"title": "传达学习重要讲话精神", "is_first_topic": True},
            {"title": "讨论发展党员"},
        ],
        tags=["discipline_education"],
    )
    rows = dict(activity.participations.values_list("member_id", "status"))
    # everyone of the branch and its 党小组 is on the record
    assert set(rows) == {m.pk for m in branch.everyone}
    assert rows[branch.exempt.pk] == ParticipationStatus.EXEMPT
    assert sum(1 for s in rows.values() if s == ParticipationStatus.ATTENDED) == 5
    assert sum(1 for s in rows.values() if s == ParticipationStatus.ABSENT) == 3
    assert activity.agenda_items.filter(is_first_topic=True).count() == 1
    assert list(activity.tags.values_list("code", flat=True)) == ["discipline_education"]
    event = AuditEvent.objects.get(action="create", object_type="activities.activity")
    assert event.detail["participations"]["attended"] == 5


def test_assembly_quorum_counts_full_members_only(branch, writer):
    # 8 full members with a vote, one of them exempt → 7 due; 4 present is more than half
    full_present = [m.pk for m in branch.direct[:4]]
    activity = services.record_activity(
        writer,
        branch.org,
        data(),
        participations=[{"member": pk} for pk in [*full_present, branch.probationary.pk]],
    )
    assert activity.quorum.required_of == 7 and activity.quorum.present == 4
    assert activity.quorum_met is True
    activity = services.record_activity(
        writer,
        branch.org,
        data(title="再次"),
        participations=[{"member": pk} for pk in [*full_present[:3], branch.probationary.pk]],
    )
    # 3 of 7 (the probationary member has no vote): not met, but saved and flagged
    assert activity.quorum_met is False
    assert "未达到" in activity.quorum.message


def test_future_date_refused(branch, writer):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.record_activity(
            writer, branch.org, data(held_on=tomorrow), participations=[branch.direct[0].pk]
        )
    assert "晚于今天" in exc.value.message_dict["held_on"][0]
    assert nothing_saved()


def test_planned_activity_may_be_future(branch, writer):
    later = timezone.localdate() + dt.timedelta(days=30)
    activity = services.record_activity(writer, branch.org, data(held_on=None, planned_on=later))
    assert activity.is_planned and not activity.participations.exists()


def test_non_member_attendee_refused(branch, writer, tree):
    outsider = make_member(tree.branch_b, "外单位党员")
    with pytest.raises(ValidationError) as exc:
        services.record_activity(
            writer, branch.org, data(), participations=[branch.direct[0].pk, outsider.pk]
        )
    message = exc.value.message_dict["participations"][0]
    assert "第 2 位参加人员" in message and "甲局第一党支部" in message
    assert nothing_saved()


def test_duplicate_participation_refused(branch, writer):
    pk = branch.direct[0].pk
    with pytest.raises(ValidationError) as exc:
        services.record_activity(
            writer,
            branch.org,
            data(),
            participations=[{"member": pk}, {"member": pk, "status": "leave"}],
        )
    assert "与第 1 位重复" in exc.value.message_dict["participations"][0]
    assert nothing_saved()


def test_hours_out_of_range_refused(branch, writer):
    with pytest.raises(ValidationError) as exc:
        services.record_activity(
            writer,
            branch.org,
            data(kind="party_lecture"),
            participations=[{"member": branch.direct[0].pk, "hours": 25}],
        )
    assert "0 至 24" in exc.value.message_dict["participations"][0]
    assert nothing_saved()


def test_kind_not_allowed_refused(branch, writer, tree):
    with pytest.raises(ValidationError) as exc:
        services.record_activity(writer, branch.org, data(kind="group_meeting"))
    assert "党小组" in exc.value.message_dict["kind"][0]
    # 8 full members on the day: a committee exists; with only 5 it would not
    with pytest.raises(ValidationError) as exc:
        services.record_activity(writer, tree.group_a, data(kind="committee_meeting"))
    assert nothing_saved()


def test_committee_meeting_needs_seven_full_members(tree, writer):
    from .conftest import make_members

    make_members(tree.branch_a, 6)
    with pytest.raises(ValidationError) as exc:
        services.record_activity(writer, tree.branch_a, data(kind="committee_meeting"))
    assert "不足 7 人" in exc.value.message_dict["kind"][0]
    make_members(
        tree.branch_a, 1, joined_on=dt.date(2024, 6, 1), full_member_on=dt.date(2024, 6, 1)
    )
    # the seventh full member counts only from the day they became one
    with pytest.raises(ValidationError):
        services.record_activity(writer, tree.branch_a, data(kind="committee_meeting"))
    services.record_activity(
        writer, tree.branch_a, data(kind="committee_meeting", held_on=dt.date(2024, 6, 3))
    )


def test_committee_quorum(branch, writer):
    c = branch.committee
    met = services.record_activity(
        writer, branch.org, data(kind="committee_meeting"), participations=[c[0].pk, c[1].pk]
    )
    assert met.quorum_met is True
    assert met.participations.count() == 3  # the committee, not the whole branch
    not_met = services.record_activity(
        writer,
        branch.org,
        data(kind="committee_meeting", title="x"),
        participations=[c[0].pk, {"member": c[1].pk, "status": "leave", "reason": "出差"}],
    )
    assert not_met.quorum_met is False


def test_out_of_scope_org(branch, make_user, tree):
    other = make_user("branch_secretary", tree.branch_b)
    with pytest.raises(OutOfScope):
        services.record_activity(other, branch.org, data())
    assert nothing_saved()


def test_transferred_out_absentee_still_counts(branch, writer, tree):
    from dangjian.members import services as member_services

    leaver = branch.direct[3]
    member_services.transfer_member(
        writer, leaver, None, dt.date(2024, 8, 1), external_org_name="外省某支部"
    )
    activity = services.record_activity(
        writer,
        branch.org,
        data(),
        participations=[{"member": leaver.pk, "status": "absent"}],
    )
    assert activity.participations.filter(member=leaver, status="absent").exists()
    # after the move, the same member is not expected any more
    later = attendance.expected_attendees(branch.org, "member_assembly", dt.date(2024, 9, 1))
    assert leaver.pk not in {e.member.pk for e in later}


def test_expected_attendees_flags_exemptions(branch):
    expected = attendance.expected_attendees(branch.org, "member_assembly", DAY)
    assert {e.member.pk for e in expected} == {m.pk for m in branch.everyone}
    assert [e.member.pk for e in expected if e.exempt] == [branch.exempt.pk]
    group = attendance.expected_attendees(branch.grouped[0].org, "group_meeting", DAY)
    assert {e.member.pk for e in group} == {m.pk for m in branch.grouped}
    committee = attendance.expected_attendees(branch.org, "committee_meeting", DAY)
    assert {e.member.pk for e in committee} == {m.pk for m in branch.committee}
    # before the probationary member joined, they are not expected
    early = attendance.expected_attendees(branch.org, "member_assembly", dt.date(2023, 6, 1))
    assert branch.probationary.pk not in {e.member.pk for e in early}
