"""factory-boy factories for members; ID numbers carry a correct GB 11643 check digit."""

from __future__ import annotations

import datetime as dt
import itertools

import factory

from dangjian.members.models import Exemption, Exit, Member, Transfer
from dangjian.orgs.termrules import add_years

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_serial = itertools.count(1)


def make_id_number(
    birth: dt.date, *, male: bool = True, region: str = "410802", serial: int | None = None
) -> str:
    """A valid 18-digit ID number for `birth` (the 17th digit's parity gives the gender)."""
    n = next(_serial) if serial is None else serial
    seq = f"{(n // 5) % 100:02d}{(n % 5) * 2 + (1 if male else 0)}"
    body = f"{region}{birth:%Y%m%d}{seq}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Faker("name", locale="zh_CN")
    gender = factory.Iterator(["male", "female"])
    birth_date = factory.Sequence(lambda n: dt.date(1960, 1, 1) + dt.timedelta(days=97 * n % 12000))
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_id_number(
            o.birth_date, male=o.gender == "male", region=f"{110101 + n // 500}"
        )
    )
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    org = None  # pass org=...
    joined_on = factory.LazyAttribute(lambda o: add_years(o.birth_date, 25))  # 29 Feb safe
    full_member_on = factory.LazyAttribute(lambda o: o.joined_on + dt.timedelta(days=366))
    status = "full"


class ExemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exemption

    member = factory.SubFactory(MemberFactory)
    reason = Exemption.Reason.ELDERLY_INFIRM
    starts_on = dt.date(2024, 1, 1)


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    member = factory.SubFactory(MemberFactory)
    from_org = None
    to_org = factory.LazyAttribute(lambda o: o.member.org)
    transferred_on = dt.date(2024, 3, 1)


class ExitFactory(factory.django.DjangoModelFactory):
    """An exit row alone (tests of scoping and lists); the service sets the membership too."""

    class Meta:
        model = Exit

    member = factory.SubFactory(MemberFactory, membership="deceased")
    kind = "deceased"
    left_on = dt.date(2024, 5, 10)
