"""A few 出党/减少 in the demo city: deaths, 退党, one 除名, one 开除党籍 and one 取消预备党员资格.

Written after the activities, so each exit is dated the day after the member's last
recorded participation (or a month after joining): no meeting on or after the exit day
lists them, as `members.presence` expects. Members holding a committee post, with a
transfer, with a login account or in the showcase branch (the demo accounts' own) are left
alone. Deterministic: the choice follows the plan's seed.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Exists, Max, OuterRef

from dangjian.activities.models import Participation
from dangjian.members.models import (
    EXIT_KINDS_NEEDING_APPROVAL,
    EXIT_MEMBERSHIP,
    Exit,
    ExitKind,
    Member,
    MembershipState,
    MemberStatus,
    Transfer,
)
from dangjian.orgs.models import CommitteePost, Organization

from .plan import CityPlan

# (kind, reason, needs a probationary member)
PLANNED = [
    (ExitKind.DECEASED, "因病去世", False),
    (ExitKind.DECEASED, "因病去世", False),
    (ExitKind.DECEASED, "意外去世", False),
    (ExitKind.WITHDRAWN, "本人申请退党", False),
    (ExitKind.WITHDRAWN, "本人申请退党", False),
    (ExitKind.STRUCK_OFF, "连续六个月不参加党的组织生活，经教育仍无转变", False),
    (ExitKind.EXPELLED, "严重违反党的纪律", False),
    (ExitKind.PROBATION_CANCELLED, "预备期内不履行党员义务", True),
]


def write_exits(plan: CityPlan, showcase: Organization) -> int:
    rng = random.Random(f"{plan.seed}-exits")
    held_post = CommitteePost.objects.filter(member_id=OuterRef("pk"))
    moved = Transfer.objects.filter(member_id=OuterRef("pk"))
    candidates = (
        Member.objects.filter(membership=MembershipState.NORMAL, account__isnull=True)
        .exclude(org__path__startswith=showcase.path)
        .exclude(Exists(held_post))
        .exclude(Exists(moved))
        .order_by("pk")
    )
    full = list(candidates.filter(status=MemberStatus.FULL).values_list("pk", flat=True)[:4000])
    probation = list(
        candidates.filter(status=MemberStatus.PROBATIONARY).values_list("pk", flat=True)[:400]
    )
    chosen: list[tuple[int, ExitKind, str]] = []
    for kind, reason, probationary in PLANNED:
        pool = probation if probationary else full
        if pool:
            chosen.append((pool.pop(rng.randrange(len(pool))), kind, reason))
    if not chosen:
        return 0
    ids = [pk for pk, _kind, _reason in chosen]
    members = {m.pk: m for m in Member.objects.select_related("org").filter(pk__in=ids)}
    last_seen = dict(
        Participation.objects.filter(member_id__in=ids)
        .values("member_id")
        .annotate(last=Max("activity__held_on"))
        .values_list("member_id", "last")
    )
    rows = []
    for pk, kind, reason in chosen:
        member = members[pk]
        seen = last_seen.get(pk) or member.joined_on + dt.timedelta(days=30)
        left_on = min(seen + dt.timedelta(days=1), plan.today)
        needs = kind in EXIT_KINDS_NEEDING_APPROVAL
        approver = (member.org.get_parent() or member.org) if needs else None
        rows.append(
            Exit(
                member=member,
                kind=kind,
                left_on=max(left_on, member.joined_on),
                reason=reason,
                approved_by_org=approver,
                document_number=f"党决〔{left_on.year}〕{rng.randint(1, 60)}号" if approver else "",
            )
        )
        member.membership = EXIT_MEMBERSHIP[kind]
    Exit.objects.bulk_create(rows)
    Member.objects.bulk_update(members.values(), ["membership"])
    return len(rows)
