"""Membership on a date, reconstructed from records (members, transfers, committee posts).

Recording a meeting of last March expects the members of last March: who has moved in or
out since is read from the transfer history.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from dangjian.core.db import path_prefix_q
from dangjian.members import presence
from dangjian.members.models import Member, MemberStatus
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
    """Members of `org`'s subtree on `day`: one query, history-aware (`members.presence`:
    transfers in, out and within, arrivals from outside, exits).

    The subtree is a list of org ids (one path-range subquery), so each member row is
    tested by hash lookups rather than a join to the org table with a LIKE per row: on
    PostgreSQL the old OR-of-joins form took 190 ms for a 30-member branch of the demo city.
    """
    subtree = Organization.objects.filter(path_prefix_q("path", org.path)).values("pk")
    return Member.objects.filter(presence.present_q(day, subtree)).only(*MEMBER_COLUMNS)


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
