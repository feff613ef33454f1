"""Full members (有表决权的正式党员) of each org's subtree on given days, from the member
history: the one count behind both recording a 支委会 (`kinds.has_committee`) and the rules
evaluator's 支委会 condition (`rules.evaluator.full_member_counts`).

Where a member was on a day is `members.presence`'s rule (transfers, arrivals from outside,
exits). They are full on d from the later of `joined_on` and `full_member_on` and only if
they are full now.

Two queries whatever the number of days: the members who stayed put after the first day
(no transfer, no exit after it), counted per org with one CASE bucket per day; and the
others — transfers or an exit after the first day — with their histories, replayed here
through `presence.org_path_on` (a city has a few hundred a year). The subtree sums walk
each org path's prefixes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Greatest

from dangjian.core.db import path_prefix_q
from dangjian.members import presence
from dangjian.members.models import Member, MembershipState, MemberStatus, Transfer
from dangjian.orgs.models import Organization


def full_member_counts(
    member_q: Q | None, days: Sequence[dt.date], transfer_q: Q | None = None
) -> dict[str, list[int]]:
    """{org path: [full members of its subtree on each of `days`]}, transfer-aware.

    `member_q` filters the members who did not move (on their current `org__path`: the
    caller's scope); `transfer_q` may narrow the transfers replayed (to those touching a
    subtree: a transfer chain leaves and enters it only through such transfers). Paths no
    member reached are absent.
    """
    if member_q is None or not days:
        return {}
    days = list(days)
    first = min(days)
    step = Organization.steplen
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))

    def add(path: str, counts: Sequence[int]) -> None:
        for cut in range(step, len(path) + 1, step):
            acc = totals[path[:cut]]
            for i, n in enumerate(counts):
                acc[i] += n

    since = Greatest("joined_on", Coalesce("full_member_on", "joined_on"))
    moved = Transfer.objects.filter(member_id=OuterRef("pk"), transferred_on__gt=first)
    # Per org, how many became full by each day and how many had left by each day: two CASE
    # buckets (the first day by which the member was full / had left; len(days) for never)
    # grouped, then running sums here — cheaper than a conditional COUNT per day.
    order = sorted(range(len(days)), key=lambda i: days[i])

    def bucket(column: str) -> Case:
        return Case(
            *(When(**{f"{column}__lte": days[i]}, then=Value(k)) for k, i in enumerate(order)),
            default=Value(len(days)),
            output_field=IntegerField(),
        )

    # Stayers: no transfer after the first day, on the roll then (normal, or leaving
    # later: an exited member stays under their org, so their org is where they were).
    stayers = (
        Member.objects.filter(member_q, status=MemberStatus.FULL)
        .filter(Q(membership=MembershipState.NORMAL) | Q(exit__left_on__gt=first))
        .exclude(Exists(moved))
        .annotate(since=since)
        .annotate(bucket=bucket("since"), gone=bucket("exit__left_on"))
        .values("org__path", "bucket", "gone")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("org__path", "bucket", "gone", "n")
    )
    by_org: dict[str, list[int]] = defaultdict(lambda: [0] * (len(days) + 1))
    for path, k, gone, n in stayers:
        if gone > k:  # counted from the day they were full until the day they left
            by_org[path][k] += n
            by_org[path][gone] -= n
    for path, per_bucket in by_org.items():
        counts, running = [0] * len(days), 0
        for k, i in enumerate(order):
            running += per_bucket[k]
            counts[i] = running
        add(path, counts)

    # Members with a transfer after the first day (within `transfer_q`), replayed.
    transfers = Transfer.objects.filter(transferred_on__gt=first, member__status=MemberStatus.FULL)
    if transfer_q is not None:
        transfers = transfers.filter(transfer_q)
    history: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    now: dict[int, tuple[dt.date, dt.date | None, str, str | None, dt.date | None]] = {}
    for member_id, on, from_path, path, membership, joined, full_on, left_on in transfers.order_by(
        "member_id", "transferred_on", "pk"
    ).values_list(
        "member_id",
        "transferred_on",
        "from_org__path",
        "member__org__path",
        "member__membership",
        "member__joined_on",
        "member__full_member_on",
        "member__exit__left_on",
    ):
        history[member_id].append((on, from_path))
        now[member_id] = (joined, full_on, membership, path, left_on)
    for member_id, (joined, full_on, membership, path, left_on) in now.items():
        full_since = max(joined, full_on or joined)
        moves = history.get(member_id, [])
        for i, day in enumerate(days):
            if full_since > day:
                continue
            where = presence.org_path_on(
                day,
                joined_on=joined,
                membership=membership,
                current_path=path,
                moves=moves,
                left_on=left_on,
            )
            if where:
                counts = [0] * len(days)
                counts[i] = 1
                add(where, counts)
    return totals


def full_members_on(org: Organization, day: dt.date) -> int:
    """Full members of `org`'s subtree on `day` (what recording a 支委会 checks)."""
    touching = (
        path_prefix_q("from_org__path", org.path)
        | path_prefix_q("to_org__path", org.path)
        | path_prefix_q("member__org__path", org.path)
    )
    counts = full_member_counts(path_prefix_q("org__path", org.path), [day], touching)
    return counts.get(org.path, [0])[0]
