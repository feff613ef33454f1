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

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from dangjian.core.db import path_prefix_q
from dangjian.members import presence
from dangjian.members.models import Exit, Member, MembershipState, MemberStatus, Transfer
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
    # Per org, how many became full by each day: one CASE bucket (the first day by which
    # the member was full; len(days) for none) grouped, then running sums here — cheaper
    # than a conditional COUNT per day.
    order = sorted(range(len(days)), key=lambda i: days[i])

    def bucket(column: str) -> Case:
        return Case(
            *(When(**{f"{column}__lte": days[i]}, then=Value(k)) for k, i in enumerate(order)),
            default=Value(len(days)),
            output_field=IntegerField(),
        )

    # Stayers: normal now and no transfer after the first day, so their org is where they
    # were on every day (exited members are replayed below with the movers).
    stayers = (
        Member.objects.filter(member_q, membership=MembershipState.NORMAL, status=MemberStatus.FULL)
        .exclude(Exists(moved))
        .annotate(since=since)
        .annotate(bucket=bucket("since"))
        .values("org__path", "bucket")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("org__path", "bucket", "n")
    )
    by_org: dict[str, list[int]] = defaultdict(lambda: [0] * (len(days) + 1))
    for path, k, n in stayers:
        by_org[path][k] += n
    for path, per_bucket in by_org.items():
        counts, running = [0] * len(days), 0
        for k, i in enumerate(order):
            running += per_bucket[k]
            counts[i] = running
        add(path, counts)

    # Replayed: members with a transfer after the first day (within `transfer_q`), and
    # members leaving after it (by `member_q`: an exited member stays under their org) —
    # one UNION ALL of the transfer rows and the exit rows (an exit row moves nobody).
    columns = ("m", "on", "tid", "src", "path", "membership", "joined", "full_on", "left_on")
    transfers = Transfer.objects.filter(transferred_on__gt=first, member__status=MemberStatus.FULL)
    if transfer_q is not None:
        transfers = transfers.filter(transfer_q)
    moves_rows = transfers.annotate(
        m=F("member_id"),
        on=F("transferred_on"),
        tid=F("pk"),
        src=F("from_org__path"),
        path=F("member__org__path"),
        membership=F("member__membership"),
        joined=F("member__joined_on"),
        full_on=F("member__full_member_on"),
        left_on=F("member__exit__left_on"),
    ).values_list(*columns)
    exit_rows = (
        Exit.objects.filter(
            left_on__gt=first,
            member__status=MemberStatus.FULL,
            member_id__in=Member.objects.filter(member_q).values("pk"),
        )
        .annotate(
            m=F("member_id"),
            on=Value(None, output_field=DateField()),
            tid=Value(None, output_field=IntegerField()),
            src=Value(None, output_field=CharField()),
            path=F("member__org__path"),
            membership=F("member__membership"),
            joined=F("member__joined_on"),
            full_on=F("member__full_member_on"),
        )
        .values_list(*columns)
    )
    history: dict[int, list[tuple[dt.date, int, str | None]]] = defaultdict(list)
    now: dict[int, tuple[dt.date, dt.date | None, str, str | None, dt.date | None]] = {}
    rows = moves_rows.order_by().union(exit_rows.order_by(), all=True)
    for member_id, on, tid, from_path, path, membership, joined, full_on, left_on in rows:
        if on is not None:
            history[member_id].append((on, tid, from_path))
        now[member_id] = (joined, full_on, membership, path, left_on)
    for member_id, (joined, full_on, membership, path, left_on) in now.items():
        full_since = max(joined, full_on or joined)
        # Recorded order: by date, then id.
        moves = [(on, src) for on, _tid, src in sorted(history.get(member_id, []))]
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
