"""The 工委's coverage of a round: which units submitted, and what each registered.

Three grouped queries over the round (points by register and level, measures and
institutions by register) plus the registers themselves — never a query per unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from .models import Institution, Measure, RiskLevel, RiskPoint, RiskReview, RiskSubmission


@dataclass
class UnitRow:
    submission: RiskSubmission
    name: str = ""
    url: str = ""
    late: bool = False
    points: dict[str, int] = field(default_factory=dict)
    measures: int = 0
    institutions: int = 0

    @property
    def point_total(self) -> int:
        return sum(self.points.values())

    @property
    def high(self) -> int:
        return self.points.get(RiskLevel.HIGH, 0)

    @property
    def medium(self) -> int:
        return self.points.get(RiskLevel.MEDIUM, 0)

    @property
    def low(self) -> int:
        return self.points.get(RiskLevel.LOW, 0)


@dataclass
class Coverage:
    rows: list[UnitRow]

    @property
    def units(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> list[UnitRow]:
        return [r for r in self.rows if r.submission.submitted_at is not None]

    @property
    def missing(self) -> list[UnitRow]:
        return [r for r in self.rows if r.submission.submitted_at is None]

    @property
    def late(self) -> int:
        return sum(1 for r in self.submitted if r.late)

    @property
    def rate(self) -> float | None:
        return round(100 * len(self.submitted) / self.units, 1) if self.rows else None

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @property
    def totals(self) -> dict[str, int]:
        return {
            n: self.total(n)
            for n in ("point_total", "high", "medium", "low", "measures", "institutions")
        }


def coverage(review: RiskReview, user: Any) -> Coverage:
    """The round's registers the user may read, each with its counts."""
    subs = (
        RiskSubmission.objects.restrict(user, "view")
        .filter(review=review)
        .select_related("org")
        .only("id", "submitted_at", "org__name", "org__path")
        .order_by("org__path")
    )
    # Late = submitted after the due date's end, local time: one bound for every row.
    end = dt.datetime.combine(
        review.due_on + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    link = reverse("integrity:submission_detail", args=[0]).removesuffix("0/")
    rows = {
        s.pk: UnitRow(
            s,
            name=s.org.name,
            url=f"{link}{s.pk}/",
            late=s.submitted_at is not None and s.submitted_at >= end,
        )
        for s in subs
    }
    points: dict[int, dict[str, int]] = defaultdict(dict)
    for sub_id, level, n in (
        RiskPoint.objects.restrict(user, "view")
        .filter(submission__review=review)
        .values_list("submission_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        points[sub_id][level] = n
    measures = dict(
        Measure.objects.restrict(user, "view")
        .filter(submission__review=review)
        .values_list("submission_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    institutions = dict(
        Institution.objects.restrict(user, "view")
        .filter(submission__review=review)
        .values_list("submission_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for pk, row in rows.items():
        row.points = points.get(pk, {})
        row.measures = measures.get(pk, 0)
        row.institutions = institutions.get(pk, 0)
    return Coverage(list(rows.values()))
