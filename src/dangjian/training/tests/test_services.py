"""Enrolment, sessions and attendance through the services: the bad input of issue 13
(an ended class, no places left, a member outside scope, hours out of range) refused with a
Chinese message and nothing written; the attendance matrix against a naive count; the
activities' training figures unchanged in meaning (a class session is a training)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.activities.models import Activity, Participation, Tag
from dangjian.audit.models import AuditEvent
from dangjian.core.metrics import MetricScope, registry
from dangjian.orgs.models import CommitteePost, Term
from dangjian.training import hours, services
from dangjian.training.models import ClassSession, Enrolment, EnrolmentStatus, TrainingClass

from .factories import TrainingClassFactory, make_enrolment, make_member, make_session

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 5, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_enrol_writes_rows_and_audits(tree, make_user):
    klass = TrainingClassFactory(org=tree.root)
    members = [make_member(tree.branch_a) for _ in range(3)]
    user = make_user("branch_secretary", tree.branch_a)
    rows = services.enrol(user, klass, members, dt.date(2024, 5, 2))
    assert {r.member_id for r in rows} == {m.pk for m in members}
    assert Enrolment.objects.filter(training_class=klass).count() == 3
    assert AuditEvent.objects.filter(object_type="training.enrolment", action="create").count() == 3


def test_enrolment_in_a_class_that_has_ended_is_refused(tree, make_user):
    klass = TrainingClassFactory(org=tree.root, ends_on=dt.date(2024, 5, 19))
    user = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError) as exc:
        services.enrol(user, klass, [make_member(tree.branch_a)], TODAY)
    assert "已于 2024年05月19日 结业，不能再报名" in messages(exc.value)
    assert not Enrolment.objects.exists()


def test_enrolment_beyond_capacity_is_refused_whole(tree, make_user):
    klass = TrainingClassFactory(org=tree.root, capacity=3)
    make_enrolment(tree.branch_b, klass)
    user = make_user("unit_admin", tree.unit_a)
    members = [make_member(tree.branch_a) for _ in range(3)]
    with pytest.raises(ValidationError) as exc:
        services.enrol(user, klass, members, TODAY)
    assert "本班共 3 个名额，已报名 1 人，还能报名 2 人，本次选择了 3 人" in messages(exc.value)
    assert Enrolment.objects.count() == 1
    # a withdrawn enrolment frees its place
    Enrolment.objects.update(status=EnrolmentStatus.WITHDRAWN)
    assert len(services.enrol(user, klass, members, TODAY)) == 3


def test_member_outside_scope_is_refused(tree, make_user):
    klass = TrainingClassFactory(org=tree.root)
    user = make_user("branch_secretary", tree.branch_a)
    ok, outside = make_member(tree.branch_a), make_member(tree.branch_b)
    with pytest.raises(ValidationError) as exc:
        services.enrol(user, klass, [ok, outside], TODAY)
    assert "有 1 名党员不在您可以报名的范围内" in messages(exc.value)
    assert not Enrolment.objects.exists()


def test_closed_class_and_double_enrolment_are_refused(tree, make_user):
    klass = TrainingClassFactory(org=tree.root)
    user = make_user("unit_admin", tree.unit_a)
    first = make_enrolment(tree.branch_a, klass)
    with pytest.raises(ValidationError) as exc:
        services.enrol(user, klass, [first.member], TODAY)
    assert f"{first.member.name}已在本班报名名单中" in messages(exc.value)
    TrainingClass.objects.filter(pk=klass.pk).update(enrolment_open=False)
    klass.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.enrol(user, klass, [make_member(tree.branch_a)], TODAY)
    assert "已停止报名" in messages(exc.value)
    assert Enrolment.objects.count() == 1


def test_a_class_of_another_unit_cannot_be_enrolled_in(tree, make_user):
    from dangjian.core.services import OutOfScope

    klass = TrainingClassFactory(org=tree.unit_b)
    with pytest.raises(OutOfScope):
        services.enrol(make_user("unit_admin", tree.unit_a), klass, [make_member(tree.branch_a)])


def test_class_dates_and_sessions_checked(tree, make_user):
    user = make_user("committee_admin", tree.root)
    bad = TrainingClass(
        org=tree.root,
        title="轮训班",
        year=2023,
        starts_on=dt.date(2024, 3, 1),
        ends_on=dt.date(2024, 2, 1),
        planned_sessions=2,
        required_sessions=3,
    )
    with pytest.raises(ValidationError) as exc:
        services.save_class(user, bad, None)
    text = messages(exc.value)
    assert "结业日期应不早于开班日期" in text
    assert "年度应与开班日期的年份（2024）一致" in text
    assert "结业须出席课次（3）不能多于计划课次（2）" in text
    assert not TrainingClass.objects.exists()


def test_session_and_attendance_through_the_activities_service(tree, make_user):
    klass = TrainingClassFactory(org=tree.root)
    organizer = make_user("committee_admin", tree.root)
    a, b, c = (make_member(tree.branch_a), make_member(tree.branch_b), make_member(tree.branch_a))
    services.enrol(organizer, klass, [a, b], dt.date(2024, 3, 1))
    session = services.add_session(
        organizer, klass, {"title": "第一课 发声基础", "held_on": dt.date(2024, 5, 10)}
    )
    activity = session.activity
    assert (activity.kind, activity.training_type, activity.org_id) == (
        "training",
        "night_school",
        tree.root.pk,
    )
    # someone not enrolled, recorded on the activity's own form, is kept
    Participation.objects.create(activity=activity, member=c, status="attended", hours=1)
    services.record_attendance(
        organizer,
        session,
        dt.date(2024, 5, 10),
        [
            services.AttendanceRow(a.pk, "attended", ""),
            services.AttendanceRow(b.pk, "leave", "2"),
        ],
    )
    rows = dict(activity.participations.values_list("member_id", "hours"))
    assert rows == {a.pk: Decimal("2.0"), b.pk: None, c.pk: Decimal("1.0")}
    assert activity.participations.get(member=b).status == "leave"


def test_attendance_bad_input_writes_nothing(tree, make_user):
    klass = TrainingClassFactory(org=tree.root)
    organizer = make_user("committee_admin", tree.root)
    a = make_enrolment(tree.branch_a, klass).member
    stranger = make_member(tree.branch_a)
    session = make_session(klass, 1, dt.date(2024, 5, 10), attended=[a], hours="2.0")
    cases = [
        ([services.AttendanceRow(a.pk, "attended", "25")], "学时应在 0 至 24 之间"),
        ([services.AttendanceRow(a.pk, "attended", "-1")], "学时应在 0 至 24 之间"),
        ([services.AttendanceRow(a.pk, "attended", "两小时")], "学时应为数字"),
        ([services.AttendanceRow(stranger.pk, "attended", "2")], "不是本班学员"),
    ]
    for rows, expected in cases:
        with pytest.raises(ValidationError) as exc:
            services.record_attendance(organizer, session, dt.date(2024, 5, 10), rows)
        assert expected in messages(exc.value)
        assert list(session.activity.participations.values_list("member_id", "hours")) == [
            (a.pk, Decimal("2.0"))
        ]


def test_a_unit_cannot_record_the_committee_class(tree, make_user):
    from dangjian.core.services import OutOfScope

    klass = TrainingClassFactory(org=tree.root)
    with pytest.raises(OutOfScope):
        services.add_session(
            make_user("unit_admin", tree.unit_a), klass, {"title": "x", "held_on": TODAY}
        )
    assert not Activity.objects.exists()


def test_matrix_matches_a_naive_count(tree, make_user, django_assert_max_num_queries):
    klass = TrainingClassFactory(org=tree.root, required_sessions=2)
    members = [make_member(tree.branch_a if i % 2 else tree.branch_b) for i in range(6)]
    for m in members:
        make_enrolment(m.org, klass, member=m)
    plan = {1: members[:5], 2: members[1:4], 3: members[3:]}
    for n, who in plan.items():
        make_session(klass, n, dt.date(2024, 4, n), attended=who, hours=str(n))
    other = TrainingClassFactory(org=tree.root)  # another class's session must not count
    make_session(other, 1, dt.date(2024, 4, 9), attended=members, hours="9")
    with django_assert_max_num_queries(3):
        result = hours.matrix(klass, Enrolment.objects.all())
    by_member = {r.enrolment.member_id: r for r in result.rows}
    for m in members:
        sessions = [n for n, who in plan.items() if m in who]
        row = by_member[m.pk]
        assert row.attended == len(sessions)
        assert row.hours == sum(Decimal(n) for n in sessions)
        assert row.certified == (len(sessions) >= 2)
        assert [c is not None for c in row.cells] == [n in sessions for n in (1, 2, 3)]
    progress = {
        e.member_id: (e.n_attended, e.class_hours)
        for e in hours.with_progress(Enrolment.objects.filter(training_class=klass))
    }
    assert progress == {k: (r.attended, r.hours) for k, r in by_member.items()}


def test_member_years_from_every_source(tree):
    klass = TrainingClassFactory(org=tree.root)
    m = make_member(tree.branch_a)
    make_session(klass, 1, dt.date(2024, 4, 1), attended=[m], hours="2.0")
    plain = Activity.objects.create(
        org=tree.root, kind="training", title="专题培训", held_on=dt.date(2024, 6, 1)
    )
    Participation.objects.create(activity=plain, member=m, status="attended", hours=8)
    lecture = Activity.objects.create(
        org=tree.branch_a, kind="party_lecture", title="党课", held_on=dt.date(2024, 7, 1)
    )
    Participation.objects.create(activity=lecture, member=m, status="attended", hours="1.5")
    old = Activity.objects.create(
        org=tree.root, kind="training", title="旧培训", held_on=dt.date(2023, 6, 1)
    )
    Participation.objects.create(activity=old, member=m, status="attended", hours=4)
    Participation.objects.create(
        activity=Activity.objects.create(
            org=tree.root, kind="training", title="请假", held_on=dt.date(2024, 8, 1)
        ),
        member=m,
        status="leave",
        hours=3,
    )
    years = {y["year"]: y for y in hours.member_years(m)}
    assert years[2024]["total"] == Decimal("11.5")
    assert years[2024]["training"] == Decimal("10.0")
    assert years[2024]["classes"] == Decimal("2.0")
    assert years[2024]["other"] == Decimal("1.5")
    assert years[2023]["total"] == Decimal("4.0")


def _metric(name, user, year=2024, within=None):
    return registry.get(name).value(MetricScope(user=user, year=year, within=within))


def test_training_metrics_count_class_sessions_like_any_training(tree, make_user):
    """A class's session is a training: `training.participants` / `training.hours` count it,
    `training.secretaries_trained` only when tagged 党纪学习教育 (never by being a class)."""
    admin = make_user("committee_admin", tree.root)
    secretary = make_member(tree.branch_a)
    term = Term.objects.create(org=tree.branch_a, number=1, started_on=dt.date(2022, 1, 1))
    CommitteePost.objects.create(term=term, member=secretary, post=CommitteePost.Post.SECRETARY)
    before = {
        k: _metric(k, admin)
        for k in ("training.participants", "training.hours", "training.secretaries_trained")
    }
    klass = TrainingClassFactory(org=tree.root, training_type="rotation", in_night_school=False)
    make_enrolment(tree.branch_a, klass, member=secretary)
    make_session(klass, 1, dt.date(2024, 4, 1), attended=[secretary], hours="8.0")
    assert _metric("training.participants", admin) == before["training.participants"] + 1
    assert _metric("training.hours", admin) == before["training.hours"] + 8.0
    assert _metric("training.secretaries_trained", admin) == before["training.secretaries_trained"]
    tag = Tag.objects.get(code="discipline_education")
    make_session(klass, 2, dt.date(2024, 4, 8), attended=[secretary], tags=[tag])
    assert _metric("training.secretaries_trained", admin) == 1


def test_class_metrics_and_scope(tree, make_user):
    night = TrainingClassFactory(org=tree.root)
    TrainingClassFactory(org=tree.unit_a, training_type="rotation", in_night_school=False)
    TrainingClassFactory(org=tree.root, year=2023, starts_on=dt.date(2023, 3, 1))
    make_enrolment(tree.branch_a, night)
    make_enrolment(tree.branch_b, night)
    make_enrolment(tree.branch_b, night, status=EnrolmentStatus.WITHDRAWN)
    admin = make_user("committee_admin", tree.root)
    unit = make_user("unit_admin", tree.unit_a)
    assert _metric("training.classes", admin) == 2
    assert _metric("training.night_school_courses", admin) == 1
    assert _metric("training.class_enrolments", admin) == 2
    assert _metric("training.night_school_enrolments", admin) == 2
    # a unit counts the classes it held and its own members' enrolments
    assert _metric("training.classes", unit) == 1
    assert _metric("training.class_enrolments", unit) == 1
    assert _metric("training.class_enrolments", admin, within=tree.unit_b) == 1
    drill = registry.get("training.class_enrolments").drilldown(
        MetricScope(user=admin, year=2024, within=None)
    )
    assert drill.count() == 2


def test_deleting_the_activity_removes_its_session_link(tree):
    klass = TrainingClassFactory(org=tree.root)
    session = make_session(klass, 1, dt.date(2024, 4, 1))
    session.activity.delete()
    assert not ClassSession.objects.exists()


def test_matrix_pages_and_attach_progress_agree_with_the_whole(tree):
    klass = TrainingClassFactory(org=tree.root)
    members = [make_member(tree.branch_a) for _ in range(5)]
    for m in members:
        make_enrolment(tree.branch_a, klass, member=m)
    make_session(klass, 1, dt.date(2024, 4, 1), attended=members[::2], hours="2.0")
    make_session(klass, 2, dt.date(2024, 4, 8), attended=members[:3], hours="1.5")
    whole = hours.matrix(klass, Enrolment.objects.all())
    pages = [hours.matrix(klass, Enrolment.objects.all(), page=p, per_page=2) for p in (1, 2, 3)]
    assert [p.pages for p in pages] == [3, 3, 3] and pages[0].total == 5
    paged = [(r.enrolment.pk, r.attended, r.hours, r.cells) for p in pages for r in p.rows]
    assert paged == [(r.enrolment.pk, r.attended, r.hours, r.cells) for r in whole.rows]
    assert hours.matrix(klass, Enrolment.objects.all(), page=99, per_page=2).page == 3
    attached = hours.attach_progress(list(Enrolment.objects.filter(training_class=klass)))
    assert {e.member_id: (e.n_attended, e.class_hours) for e in attached} == {
        r.enrolment.member_id: (r.attended, r.hours) for r in whole.rows
    }


def test_attendance_of_some_rows_keeps_the_others(tree, make_user):
    """A page of the form names some members: the others' records stay; a blank status
    removes that member's record."""
    klass = TrainingClassFactory(org=tree.root)
    organizer = make_user("committee_admin", tree.root)
    a, b, c = (make_enrolment(tree.branch_a, klass).member for _ in range(3))
    session = make_session(klass, 1, dt.date(2024, 5, 10), attended=[a, b, c], hours="2.0")
    services.record_attendance(
        organizer,
        session,
        dt.date(2024, 5, 10),
        [services.AttendanceRow(a.pk, "absent", ""), services.AttendanceRow(b.pk, "", "")],
    )
    assert dict(session.activity.participations.values_list("member_id", "status")) == {
        a.pk: "absent",
        c.pk: "attended",
    }
