"""Membership on a date, reconstructed from records (members, transfers, committee posts).

Recording a meeting of last March expects the members of last March: who has moved in or
out since is read from the transfer history.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from dangjian.members.models import Member, MembershipState, MemberStatus, Transfer
from dangjian.orgs.models import CommitteePost, Organization

# What attendance needs of a member; loading only these skips decrypting the ID and phone.
MEMBER_COLUMNS = ("id", "name", "status", "full_member_on", "joined_on", "membership", "org")


def members_at(org: Organization, day: dt.date) -> QuerySet[Member]:
    """Members of `org`'s subtree on `day`: one query, history-aware.

    In: joined by `day`, and either here now (not having arrived from outside after
    `day`, membership normal) or having left the subtree after `day` (transferred to
    another org or out of the system) — so an absentee who moved away later still counts.
    """
    path = org.path
    later = Transfer.objects.filter(member=OuterRef("pk"), transferred_on__gt=day)
    arrived_later = later.filter(to_org__path__startswith=path).exclude(
        from_org__path__startswith=path
    )
    left_later = later.filter(from_org__path__startswith=path).exclude(
        to_org__path__startswith=path
    )
    left_ids = Transfer.objects.filter(
        from_org__path__startswith=path, transferred_on__gt=day
    ).values("member_id")
    here_now = Q(org__path__startswith=path, membership=MembershipState.NORMAL) & ~Exists(
        arrived_later
    )
    return (
        Member.objects.filter(
            Q(org__path__startswith=path) | Q(pk__in=left_ids), joined_on__lte=day
        )
        .filter(here_now | Exists(left_later))
        .only(*MEMBER_COLUMNS)
    )


def committee_posts(org: Organization, day: dt.date) -> QuerySet[CommitteePost]:
    """Posts in `org`'s committee on `day` (term running, post assigned and not dismissed)."""
    return CommitteePost.objects.filter(
        Q(term__ended_on__isnull=True) | Q(term__ended_on__gt=day),
        Q(assigned_on__isnull=True) | Q(assigned_on__lte=day),
        Q(dismissed_on__isnull=True) | Q(dismissed_on__gt=day),
        term__org=org,
        term__started_on__lte=day,
    )


def committee_member_ids(org: Organization, day: dt.date) -> set[int]:
    return set(committee_posts(org, day).values_list("member_id", flat=True))


def is_full_at(member: Member, day: dt.date) -> bool:
    """Had a vote (正式党员) on `day`: full now, and already full then when the date is known."""
    return member.status == MemberStatus.FULL and (
        member.full_member_on is None or member.full_member_on <= day
    )
