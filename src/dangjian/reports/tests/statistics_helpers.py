"""A hand-built year for the 党内统计 tests: every movement kind, counted by hand.

Tree (from the root conftest): 工委 → 甲局机关党委 (unit_a) → {甲局第一党支部 (branch_a),
甲局第二党支部 (branch_a2)}; 工委 → 乙局机关党委 (unit_b) → 乙局第一党支部 (branch_b).

For 2024, scope 甲局机关党委 (by hand, see `YEAR_2024`):
  上年末 8 (m1 m2 m3 m4 m5 m11 m12 m15) + 发展 2 (m8, m10) + 转入 2 (m6 from outside, m7 from
  乙局) − 出党 2 (m2, m12) − 转出 3 (m4 to 乙局, m5 out of the system, m15) = 7;
  本年末 9 (m1 m3 m6 m7 m8 m9 m10 m11 m15): m9 joined without a 发展 record, and m15's
  transfer says it left for 乙局 while the member is still in branch_a — both listed.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from dangjian.members.models import Exit, MembershipState, Transfer
from dangjian.members.tests.factories import MemberFactory
from dangjian.orgs.models import Organization, OrgKind
from dangjian.recruitment.models import Applicant, RecruitmentStep, Stage, Step


def add_branch(unit, name: str):
    branch = unit.add_child(kind=OrgKind.BRANCH, name=name, unit=unit.unit)
    return Organization.objects.get(pk=branch.pk)


def admit(member, on: dt.date) -> None:
    """The 发展党员 record of `member`: an applicant whose 支部大会 (step 15) is `on`."""
    applicant = Applicant.objects.create(
        org=member.org,
        name=member.name,
        gender=member.gender,
        birth_date=member.birth_date,
        applied_on=on - dt.timedelta(days=800),
        stage=Stage.PROBATIONARY,
        last_step=Step.ADMISSION,
        member=member,
    )
    RecruitmentStep.objects.create(applicant=applicant, step=Step.ADMISSION, done_on=on)


def leave(member, kind: str, on: dt.date) -> None:
    Exit.objects.create(member=member, kind=kind, left_on=on)
    member.membership = kind
    member.save()


def move(member, source, target, on: dt.date, external: str = "") -> None:
    Transfer.objects.create(
        member=member, from_org=source, to_org=target, transferred_on=on, external_org_name=external
    )


def year_2024(tree) -> SimpleNamespace:
    a, a2, b = tree.branch_a, add_branch(tree.unit_a, "甲局第二党支部"), tree.branch_b
    old = dt.date(2000, 7, 1)

    def member(org, name, joined=old, **kw):
        return MemberFactory(
            org=org, name=name, joined_on=joined, birth_date=dt.date(1975, 5, 5), **kw
        )

    m = SimpleNamespace(branch_a2=a2)
    m.m1 = member(a, "一号")
    m.m2 = member(a, "二号", dt.date(2010, 1, 1))
    leave(m.m2, "deceased", dt.date(2024, 5, 10))
    m.m3 = member(a2, "三号")
    move(m.m3, a, a2, dt.date(2024, 3, 1))  # inside the unit: no change
    m.m4 = member(b, "四号")
    move(m.m4, a, b, dt.date(2024, 6, 1))  # across the unit boundary
    m.m5 = member(a, "五号", membership=MembershipState.TRANSFERRED_OUT)
    move(m.m5, a, None, dt.date(2024, 7, 1), external="外省某局党支部")
    m.m6 = member(a2, "六号")
    move(m.m6, None, a2, dt.date(2024, 2, 1), external="外省某厅党支部")
    m.m7 = member(a, "七号")
    move(m.m7, b, a, dt.date(2024, 9, 1))
    m.m8 = member(a, "八号", dt.date(2024, 4, 15), status="probationary", full_member_on=None)
    admit(m.m8, dt.date(2024, 4, 15))
    m.m9 = member(a, "九号", dt.date(2024, 8, 1), status="probationary", full_member_on=None)
    m.m10 = member(a, "十号", dt.date(2024, 12, 31), status="probationary", full_member_on=None)
    admit(m.m10, dt.date(2024, 12, 31))
    m.m11 = member(a, "十一号")
    leave(m.m11, "withdrawn", dt.date(2025, 1, 1))  # still on the roll on 31 December
    m.m12 = member(a, "十二号")
    leave(m.m12, "expelled", dt.date(2024, 1, 1))  # gone on the year's first day
    m.m13 = member(a, "十三号", dt.date(2025, 1, 1))  # joins the next year
    m.m15 = member(a, "十五号")
    move(m.m15, a, b, dt.date(2024, 5, 1))  # the record says it left; the member did not
    return m
