"""One member's record of organizational life: counts and 学时 per year, and a year's rows.

Shared by the member-history page (an admin looking at a member, or the member at their own
record) and the member's 我的 page. The caller decides which participations may be read —
`Participation.objects.restrict(user, "view")` for an admin, the member's own rows for the
member (members.ownership) — and passes them in; only held activities count (decisions/0010).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from .models import Participation


def held(participations: QuerySet[Participation]) -> QuerySet[Participation]:
    return participations.filter(activity__held_on__isnull=False)


def years(participations: QuerySet[Participation]) -> list[dict]:
    """Newest year first: {year, total, attended, leave, absent, hours} (hours: attended only)."""
    return list(
        held(participations)
        .annotate(year=ExtractYear("activity__held_on"))
        .values("year")
        .annotate(
            total=Count("pk"),
            attended=Count("pk", filter=Q(status="attended")),
            leave=Count("pk", filter=Q(status="leave")),
            absent=Count("pk", filter=Q(status="absent")),
            hours=Sum("hours", filter=Q(status="attended")),
        )
        .order_by("-year")
    )


def rows(participations: QuerySet[Participation], year: int | None = None) -> QuerySet:
    """The participations of `year` (every year when None), newest first, with what a row shows."""
    qs = held(participations)
    if year is not None:
        qs = qs.filter(activity__held_on__year=year)
    return (
        qs.select_related("activity__org")
        .only(
            "status",
            "reason",
            "hours",
            "member",
            "activity__title",
            "activity__kind",
            "activity__held_on",
            "activity__org__name",
            "activity__org__path",
        )
        .order_by("-activity__held_on", "-activity_id")
    )
