"""Test helpers of the training app: a class, members, enrolments, sessions with attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from dangjian.activities.models import Activity, ActivityKind, Participation
from dangjian.members.tests.factories import MemberFactory
from dangjian.training.models import ClassSession, Enrolment, TrainingClass

START = dt.date(2024, 3, 1)
END = dt.date(2024, 6, 30)


class TrainingClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    title = factory.Sequence(lambda n: f"2024年机关夜校声乐班（{n}期）")
    training_type = "night_school"
    in_night_school = True
    year = 2024
    starts_on = START
    ends_on = END
    planned_sessions = 4
    hours_per_session = Decimal("2.0")
    required_sessions = 3


def make_member(org):
    return MemberFactory(org=org, joined_on=dt.date(2010, 1, 1))


def make_enrolment(org, klass=None, member=None, **kw):
    klass = klass or TrainingClassFactory(org=org)
    return Enrolment.objects.create(
        training_class=klass,
        member=member or make_member(org),
        enrolled_on=kw.pop("enrolled_on", START),
        **kw,
    )


def make_session(klass, number, held_on, attended=(), hours="2.0", tags=()):
    """A held session with `attended` members (hours each), created directly."""
    activity = Activity.objects.create(
        org=klass.org,
        kind=ActivityKind.TRAINING,
        training_type=klass.training_type,
        title=f"{klass.title}第{number}课",
        held_on=held_on,
    )
    for tag in tags:
        activity.tags.add(tag)
    Participation.objects.bulk_create(
        [
            Participation(activity=activity, member=m, status="attended", hours=Decimal(hours))
            for m in attended
        ]
    )
    return ClassSession.objects.create(training_class=klass, activity=activity, number=number)
