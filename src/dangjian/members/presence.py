"""Was member M in org subtree S on day d? The one rule, read from the records.

Every count that depends on membership on a date asks this module: expected attendees
(`activities.membership.members_at`), the full-member counts behind recording a 支委会 and
the rules evaluator (`activities.full_members`), the importer's roster, inactivity
(`rules.inactivity`) and the member metrics.

The rule, for a member on day d:

- not yet a member before `joined_on` (党籍 starts at the branch assembly);
- gone from `Exit.left_on` on (去世, 出党 …: the exit day is the first day not counted);
- otherwise in the org their first transfer after d left from (a transfer dated d has
  happened on d: an arrival counts in the new org on its day). That org is None for an
  arrival from outside the system, so a member is nowhere before arriving;
- with no transfer after d, in their current org while they are on the roll then: their
  membership is normal, or their exit comes after d. A member transferred out of the
  system (their last transfer, on or before d) and a legacy "deceased"/"removed" record
  without a dated exit are nowhere.

Transfers on the same day are ordered by id, as they were recorded.

`org_path_on` is the rule on one member's loaded history (for the in-memory replays);
`present_q` is the same rule as one SQL condition (a few subqueries, never a query per
member). A test checks both against a replay of random histories day by day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Exit, Member, MembershipState, Transfer


def org_path_on(
    day: dt.date,
    *,
    joined_on: dt.date,
    membership: str,
    current_path: str | None,
    moves: Iterable[tuple[dt.date, str | None]],
    left_on: dt.date | None,
) -> str | None:
    """The path of the org the member belonged to on `day`, or None when not on the roll.

    `moves` are the member's transfers as (date, source org path), in recorded order
    (date, then id); `left_on` is their exit date, if any.
    """
    if day < joined_on or (left_on is not None and left_on <= day):
        return None
    for on, from_path in moves:
        if on > day:
            return from_path
    if membership == MembershipState.NORMAL or left_on is not None:
        return current_path
    return None


def _moved_after(day: dt.date) -> Exists:
    return Exists(Transfer.objects.filter(member_id=OuterRef("pk"), transferred_on__gt=day))


def _on_roll_at_current_org(day: dt.date) -> Q:
    """Members whose current org is where they were on `day`: no transfer after it, and
    on the roll then (normal now, or leaving after `day`). Joining and exits before `day`
    are checked by `present_q`."""
    leaves_later = Exists(Exit.objects.filter(member_id=OuterRef("pk"), left_on__gt=day))
    return ~_moved_after(day) & (Q(membership=MembershipState.NORMAL) | leaves_later)


def first_moves_after(day: dt.date) -> QuerySet[Transfer]:
    """Each member's first transfer after `day` (by date, then id): its source org is
    where the member was on `day`."""
    earlier = Transfer.objects.filter(
        Q(transferred_on__lt=OuterRef("transferred_on"))
        | Q(transferred_on=OuterRef("transferred_on"), pk__lt=OuterRef("pk")),
        member_id=OuterRef("member_id"),
        transferred_on__gt=day,
    )
    return Transfer.objects.filter(transferred_on__gt=day).exclude(Exists(earlier))


def present_q(day: dt.date, subtree: QuerySet | None = None) -> Q:
    """Members on the roll on `day` — in an org of `subtree` (a queryset of org ids:
    `Organization.objects.filter(...).values("pk")`) or, without it, anywhere.

    Within a subtree: the ids of those still in the org they were in (by the org index)
    UNION the ids whose first later transfer left from there, then the joining date and the
    exit. A UNION rather than an OR: PostgreSQL cannot use an index for `org in subtree OR
    id in (…)` and reads every member of the city. Anywhere: every member is read anyway,
    so the same two conditions as an OR of EXISTS in one pass (a third of the UNION's time
    on the demo city).
    """
    gone = Exit.objects.filter(member_id=OuterRef("pk"), left_on__lte=day)
    was = first_moves_after(day).exclude(from_org_id=None)
    if subtree is None:
        moved_from_an_org = Exists(was.filter(member_id=OuterRef("pk")))
        return (
            Q(joined_on__lte=day)
            & (_on_roll_at_current_org(day) | moved_from_an_org)
            & ~Q(Exists(gone))
        )
    here = Member.objects.filter(_on_roll_at_current_org(day), joined_on__lte=day)
    here = here.filter(org_id__in=subtree)
    was = was.filter(from_org_id__in=subtree)
    ids = here.order_by().values("pk").union(was.order_by().values("member_id"))
    return Q(joined_on__lte=day, pk__in=ids) & ~Q(Exists(gone))


def present(day: dt.date, subtree: QuerySet | None = None) -> QuerySet[Member]:
    """`Member` rows for `present_q` (not scoped: callers restrict or pass a subtree)."""
    return Member.objects.filter(present_q(day, subtree))
