"""The demo's classes at tiny scale: built on the 工委's training activities, the night
school's courses and enrolments, and the seed figure `training.secretaries_trained` kept."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from dangjian.activities.models import Activity, Participation
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.training import hours
from dangjian.training.models import ClassSession, Enrolment, TrainingClass

TODAY = dt.date(2025, 6, 1)
NIGHT_SCHOOL_COURSES = 6  # demo/training_loader.py COURSES
pytestmark = pytest.mark.django_db


def metric(metric_id: str, year: int = 2024):
    return registry.get(metric_id).value(MetricScope(SYSTEM, year))


def test_demo_classes_at_tiny_scale():
    call_command("demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=3)
    # The seed figure is the activities': the classes built over them change nothing (the
    # demo's own tests check it equals the shape; this one that the classes leave it be).
    figures = ("training.secretaries_trained", "training.participants", "training.hours")
    with_classes = {m: metric(m) for m in figures}
    assert with_classes["training.secretaries_trained"] > 0
    rotation = TrainingClass.objects.get(training_type="rotation", year=2024)
    tagged = Activity.objects.filter(
        tags__code="discipline_education", held_on__year=2024, kind="training", org__depth=1
    )
    assert set(rotation.class_sessions.values_list("activity_id", flat=True)) == set(
        tagged.values_list("pk", flat=True)
    )
    invited = set(
        Participation.objects.filter(activity__in=tagged).values_list("member_id", flat=True)
    )
    assert set(rotation.enrolments.values_list("member_id", flat=True)) == invited
    # The night school: six 2024 courses with enrolments and held sessions; the showcase
    # branch's members are in the 青年讲堂.
    assert metric("training.night_school_courses") == NIGHT_SCHOOL_COURSES
    assert metric("training.night_school_enrolments") > 0
    assert metric("training.classes") >= NIGHT_SCHOOL_COURSES + 1
    night = TrainingClass.objects.filter(in_night_school=True, year=2024)
    assert all(c.class_sessions.count() == c.planned_sessions for c in night)
    lecture = night.get(title="2024年机关夜校“青年讲堂”")
    from dangjian.accounts.models import User

    dangyuan = User.objects.get(username="dangyuan").member
    assert lecture.enrolments.filter(member=dangyuan).exists()
    assert any(y["classes"] > 0 for y in hours.member_years(dangyuan))
    # No session lies outside its class's dates; capacity holds.
    for c in TrainingClass.objects.all():
        days = ClassSession.objects.filter(training_class=c).values_list(
            "activity__held_on", flat=True
        )
        assert all(c.starts_on <= d <= c.ends_on for d in days)
        if c.capacity:
            assert c.enrolments.filter(status="enrolled").count() <= c.capacity
    # An open course of the current year takes enrolments.
    assert TrainingClass.objects.filter(year=TODAY.year, enrolment_open=True).exists()
    # Without the classes (their activities stay), the training figures are the same.
    TrainingClass.objects.all().delete()
    assert {m: metric(m) for m in figures} == with_classes


def test_demo_reload_writes_the_same_classes():
    """`demo --reset` runs `reset_training()` before the activity tables are emptied (on
    PostgreSQL with TRUNCATE: no other table may keep a constraint pointing at them)."""
    call_command("demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=3)
    before = sorted(Enrolment.objects.values_list("training_class__title", "member__name"))
    call_command(
        "demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=3, reset=True
    )
    after = sorted(Enrolment.objects.values_list("training_class__title", "member__name"))
    assert before == after
