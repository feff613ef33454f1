"""Membership on a date, reconstructed from records (members, transfers, committee posts).

Recording a meeting of last March expects the members of last March: who has moved in or
out since is read from the transfer history.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from dangjian.core.db import path_prefix_q
from dangjian.members.models import Member, MembershipState, MemberStatus, Transfer
from dangjian.orgs.models import CommitteePost, Organization

# What attendance needs of a member; loading only these skips decrypting the ID and phone.
# The birth date tells members of the same name apart (its year only, decisions/0008).
MEMBER_COLUMNS = (
    "id",
    "name",
    "status",
    "full_member_on",
    "joined_on",
    "membership",
    "org",
    "birth_date",
)


def members_at(org: Organization, day: dt.date) -> QuerySet[Member]:
    """Members of `org`'s subtree on `day`: one query, history-aware.

    In: joined by `day`, and either here now (not having arrived from outside after
    `day`, membership normal) or having left the subtree after `day` (transferred to
    another org or out of the system) — so an absentee who moved away later still counts.

    The subtree is a list of org ids (one path-range subquery), so each member row is
    tested by hash lookups rather than a join to the org table with a LIKE per row: on
    PostgreSQL the old OR-of-joins form took 190 ms for a 30-member branch of the demo city.
    """
    subtree = Organization.objects.filter(path_prefix_q("path", org.path)).values("pk")
    arrived_later = Transfer.objects.filter(
        member=OuterRef("pk"), transferred_on__gt=day, to_org_id__in=subtree
    ).exclude(from_org_id__in=subtree)
    left_later = (
        Transfer.objects.filter(transferred_on__gt=day, from_org_id__in=subtree)
        .exclude(to_org_id__in=subtree)
        .values("member_id")
    )
    here_now = (
        Member.objects.filter(org_id__in=subtree, membership=MembershipState.NORMAL)
        .exclude(Exists(arrived_later))
        .order_by()
        .values("pk")
    )
    # The two ways in as one UNION of ids, not an OR of two conditions: PostgreSQL cannot
    # use an index for `org in subtree OR id in (left later)` and read every member of the
    # city (18 ms of database CPU for a 42-member branch); the UNION reads the subtree's
    # members by the org index and looks the ids up by primary key (0.3 ms).
    return Member.objects.filter(
        joined_on__lte=day, pk__in=here_now.union(left_later.order_by())
    ).only(*MEMBER_COLUMNS)


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
