"""Factories of the volunteers app's rows (factory-boy)."""

from __future__ import annotations

import datetime as dt

import factory

from dangjian.members.tests.factories import MemberFactory
from dangjian.volunteers.models import (
    Community,
    CommunityFeedback,
    CommunityRegistration,
    TaskForce,
    TaskForceMember,
)

__all__ = [
    "CommunityFactory",
    "FeedbackFactory",
    "MemberFactory",
    "RegistrationFactory",
    "TaskForceFactory",
    "TaskForceMemberFactory",
]


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    org = None  # pass org=... (the keeper, usually the 工委)
    name = factory.Sequence(lambda n: f"第{n}社区")
    district = "东湖区"
    street = factory.Sequence(lambda n: f"第{n}街道")


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityRegistration

    org = None
    community = None
    starts_on = dt.date(2024, 3, 1)


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityFeedback

    year = 2024
    rating = "good"
    text = "积极参加社区志愿服务。"
    given_on = dt.date(2024, 12, 20)


class TaskForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskForce

    org = None
    name = factory.Sequence(lambda n: f"第{n}党员突击队")
    project = "重点项目攻坚"
    starts_on = dt.date(2024, 3, 1)


class TaskForceMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskForceMember

    role = "member"
    joined_on = dt.date(2024, 3, 1)
