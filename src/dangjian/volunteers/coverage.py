"""双报到 coverage: per org of one level, its members, how many are registered with a
community in the year, and the communities the org itself registered with.

A fixed number of set-based queries whatever the number of orgs: rows are grouped by the
first `depth` steps of the org path (an org and everything below it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr

from dangjian.core.db import path_prefix_q
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization, OrgKind

from .models import CommunityRegistration

STEP = Organization.steplen
UNIT_DEPTH = 2  # the unit-level orgs (机关党组织) sit right under the 工委


def active_in(qs: Any, year: int) -> Any:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return qs.filter(starts_on__lte=last).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))


@dataclass
class Row:
    org: Organization
    members: int = 0
    registered: int = 0
    communities: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return round(100 * self.registered / self.members, 1) if self.members else None


@dataclass
class Coverage:
    year: int
    within: Organization | None
    rows: list[Row]
    org_registrations: list[CommunityRegistration]

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def registered(self) -> int:
        return sum(r.registered for r in self.rows)

    @property
    def rate(self) -> float | None:
        return round(100 * self.registered / self.members, 1) if self.members else None

    @property
    def orgs_registered(self) -> int:
        return sum(1 for r in self.rows if r.communities)


def registered_members(user: Any, year: int) -> Any:
    """Members in the register (在册) the user may view with a registration active in `year`."""
    regs = active_in(CommunityRegistration.objects.filter(member=OuterRef("pk")), year)
    return (
        Member.objects.restrict(user, "view")
        .filter(membership=MembershipState.NORMAL)
        .filter(Exists(regs))
    )


def build(user: Any, year: int, within: Organization | None = None) -> Coverage:
    visible = Organization.objects.restrict(user, "view")
    if within is None:
        top = visible.order_by("depth").values_list("depth", flat=True).first()
        if top is None:
            return Coverage(year, None, [], [])
        depth = max(UNIT_DEPTH, top)
        level = list(visible.filter(depth=depth).only("id", "name", "path", "depth")[:2])
        if len(level) == 1:  # one unit (or branch) in scope: its own page
            within = level[0]
    if within is not None:
        depth = within.depth + 1
    orgs_qs = visible.filter(depth=depth)
    if within is not None:
        orgs_qs = orgs_qs.filter(path_prefix_q("path", within.path))
    elif depth == UNIT_DEPTH:
        orgs_qs = orgs_qs.filter(kind=OrgKind.UNIT_PARTY)
    orgs = list(orgs_qs.only("id", "name", "path", "depth", "kind").order_by("path"))
    rows = {o.path: Row(o) for o in orgs}
    length = depth * STEP

    def grouped(qs: Any, path_field: str) -> Any:
        if within is not None:
            qs = qs.filter(path_prefix_q(path_field, within.path))
        return qs.annotate(p=Substr(path_field, 1, length)).values("p")

    members = Member.objects.restrict(user, "view").filter(membership=MembershipState.NORMAL)
    for item in grouped(members, "org__path").annotate(n=Count("id")):
        if item["p"] in rows:
            rows[item["p"]].members = item["n"]
    for item in grouped(registered_members(user, year), "org__path").annotate(n=Count("id")):
        if item["p"] in rows:
            rows[item["p"]].registered = item["n"]
    org_regs = active_in(
        CommunityRegistration.objects.restrict(user, "view").filter(member__isnull=True), year
    )
    for item in grouped(org_regs, "org__path").values("p", "community__name").distinct():
        if item["p"] in rows:
            rows[item["p"]].communities.append(item["community__name"])
    own: list[CommunityRegistration] = []
    if within is not None:
        own = list(
            org_regs.filter(path_prefix_q("org__path", within.path))
            .select_related("org", "community")
            .order_by("org__path", "starts_on")[:50]
        )
    for row in rows.values():
        row.communities.sort()
    return Coverage(year, within, list(rows.values()), own)
