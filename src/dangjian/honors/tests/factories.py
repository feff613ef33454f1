"""factory-boy factories and helpers for the honors tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from dangjian.honors import titles
from dangjian.honors.models import Honor, HonorLevel, HonorRound, Nomination, RoundQuota
from dangjian.members.tests.factories import MemberFactory


def today() -> dt.date:
    return timezone.localdate()


class HonorRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HonorRound

    year = factory.LazyFunction(lambda: today().year)
    title = factory.Sequence(lambda n: f"“七一”表彰第{n}次评选")
    level = HonorLevel.COMMITTEE
    titles = factory.LazyFunction(
        lambda: [titles.EXCELLENT_MEMBER, titles.EXCELLENT_PARTY_WORKER, titles.ADVANCED_ORG]
    )
    nomination_starts = factory.LazyFunction(lambda: today() - dt.timedelta(days=5))
    nomination_ends = factory.LazyFunction(lambda: today() + dt.timedelta(days=5))
    material_asked = "主要事迹材料"


class HonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Honor

    title = titles.EXCELLENT_MEMBER
    level = HonorLevel.COMMITTEE
    year = 2024
    issuer = "示例市委直属机关工委"
    decided_on = dt.date(2024, 6, 28)
    document_number = "示工委〔2024〕18号"


def make_round(org, **kw) -> HonorRound:
    return HonorRoundFactory(org=org, **kw)


def quota(rnd, org, title=titles.EXCELLENT_MEMBER, n=2) -> RoundQuota:
    return RoundQuota.objects.create(round=rnd, org=org, title=title, quota=n)


def make_nomination(org, *, rnd=None, round_org=None, member=None, status="nominated", **kw):
    """A nomination by `org` of a member of `org`, in a round opened by `round_org` (its
    parent's root by default)."""
    if rnd is None:
        rnd = make_round(round_org or org.get_root())
    if member is None and kw.get("recipient_org") is None:
        member = MemberFactory(org=org)
    return Nomination.objects.create(
        round=rnd,
        org=org,
        title=kw.pop("title", titles.EXCELLENT_MEMBER),
        member=member,
        material=kw.pop("material", "工作勤勉，群众公认。"),
        status=status,
        nominated_on=kw.pop("nominated_on", today()),
        **kw,
    )


def make_honor(org, *, recorded_by=None, member=True, **kw) -> Honor:
    if member:
        person = MemberFactory(org=org)
        return HonorFactory(member=person, org=org, recorded_by_org=recorded_by or org, **kw)
    return HonorFactory(
        title=titles.ADVANCED_ORG, org=org, recorded_by_org=recorded_by or org, **kw
    )
