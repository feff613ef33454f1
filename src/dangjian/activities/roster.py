"""Membership history of many orgs at once, in memory, for the importer.

`membership.members_at` answers "who was in this subtree on this day" with one query; an
import of a year of activities asks it hundreds of times. The roster loads the members,
transfers, exemptions and committee posts of every org in the file in a few queries, then
answers the same questions in Python with the same rules (a test checks they agree).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from dangjian.core.excel import chunks
from dangjian.members import presence
from dangjian.members.models import Exemption, Exit, Member, MemberStatus, Transfer
from dangjian.orgs.models import CommitteePost, Organization, OrgKind

from .membership import MEMBER_COLUMNS

_POOL_CHUNK = 100  # subtrees per OR-of-prefixes query


@dataclass
class _History:
    member: Member
    path: str  # current org path
    moves: list[tuple[dt.date, str | None, str | None]] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    left_on: dt.date | None = None  # the exit date, if any

    def path_on(self, day: dt.date) -> str | None:
        """The org path the member belonged to on `day`, or None when not in the system
        (`members.presence`'s rule, on the loaded history)."""
        return presence.org_path_on(
            day,
            joined_on=self.member.joined_on,
            membership=self.member.membership,
            current_path=self.path,
            moves=[(on, src) for on, src, _dst in self.moves],
            left_on=self.left_on,
        )

    def exemption_on(self, day: dt.date) -> Exemption | None:
        for e in self.exemptions:
            if e.starts_on <= day and (e.ends_on is None or e.ends_on >= day):
                return e
        return None


class Roster:
    def __init__(self, pools: Iterable[Organization]) -> None:
        self.pools = {org.path: org for org in pools}
        self.people: dict[int, _History] = {}
        self.by_pool: dict[str, list[_History]] = defaultdict(list)
        self.posts: dict[int, list[CommitteePost]] = defaultdict(list)
        self._load()

    def _load(self) -> None:
        paths = sorted(self.pools)
        for chunk in chunks(paths, _POOL_CHUNK):
            here = Q()
            came_from = Q()
            for path in chunk:
                here |= Q(org__path__startswith=path)
                came_from |= Q(from_org__path__startswith=path)
            left = Transfer.objects.filter(came_from).values("member_id")
            for m in (
                Member.objects.filter(here | Q(pk__in=left))
                .select_related("org")
                .only(*MEMBER_COLUMNS, "id_number_blind", "org__path", "org__name", "org__kind")
            ):
                self.people.setdefault(m.pk, _History(m, m.org.path))
        ids = sorted(self.people)
        for chunk in chunks(ids):
            for member_id, on, src, dst in (
                Transfer.objects.filter(member_id__in=chunk)
                .order_by("transferred_on", "pk")
                .values_list("member_id", "transferred_on", "from_org__path", "to_org__path")
            ):
                self.people[member_id].moves.append((on, src, dst))
            for member_id, left_on in Exit.objects.filter(member_id__in=chunk).values_list(
                "member_id", "left_on"
            ):
                self.people[member_id].left_on = left_on
            for e in Exemption.objects.filter(member_id__in=chunk).order_by("starts_on"):
                self.people[e.member_id].exemptions.append(e)
        for history in self.people.values():
            touched = {history.path, *(src for _on, src, _dst in history.moves if src)}
            for pool in paths:
                if any(p.startswith(pool) for p in touched):
                    self.by_pool[pool].append(history)

    def load_posts(self, orgs: Iterable[Organization]) -> None:
        """Committee posts of `orgs` (for 支委会 attendance and quorum)."""
        org_ids = sorted({o.pk for o in orgs})
        for chunk in chunks(org_ids):
            for post in CommitteePost.objects.filter(term__org_id__in=chunk).select_related("term"):
                self.posts[post.term.org_id].append(post)

    # --- questions ----------------------------------------------------------------
    def members_on(self, pool: Organization, day: dt.date) -> list[_History]:
        """Everyone in `pool`'s subtree on `day` (same rule as membership.members_at)."""
        found = []
        for h in self.by_pool.get(pool.path, ()):
            path = h.path_on(day)
            if path is not None and path.startswith(pool.path):
                found.append(h)
        return found

    def full_count(self, org: Organization, day: dt.date) -> int:
        return sum(
            1
            for h in self.members_on(org, day)
            if h.member.status == MemberStatus.FULL
            and (h.member.full_member_on is None or h.member.full_member_on <= day)
        )

    def committee_ids(self, org: Organization, day: dt.date) -> set[int]:
        return {
            p.member_id
            for p in self.posts.get(org.pk, ())
            if p.term.started_on <= day
            and (p.term.ended_on is None or p.term.ended_on > day)
            and (p.assigned_on is None or p.assigned_on <= day)
            and (p.dismissed_on is None or p.dismissed_on > day)
        }

    def expected(
        self, org: Organization, pool: Organization, kind_is_committee: bool, day: dt.date
    ) -> list[_History]:
        """Who the activity expects (same rule as attendance.expected_attendees)."""
        if kind_is_committee:
            wanted = self.committee_ids(org, day)
            return [self.people[i] for i in sorted(wanted) if i in self.people]
        if org.kind == OrgKind.LEADING_GROUP:
            return []
        members = self.members_on(pool, day)
        if org.kind in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
            return members
        child_len = len(org.path) + Organization.steplen
        return [
            h
            for h in members
            if h.path == org.path
            or (
                len(h.path) == child_len
                and h.path.startswith(org.path)
                and h.member.org.kind == OrgKind.PARTY_GROUP
            )
        ]
