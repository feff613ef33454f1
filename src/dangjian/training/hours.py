"""学时 from attendance, set-based: a class's attendance matrix, a member's yearly hours.

Hours are what the participations record (`Participation.hours` of attended rows), the
same figure `training.hours` sums: a class adds nothing of its own, it only groups its
sessions' rows. Every function here costs a fixed number of queries, whatever the number
of sessions or members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear

from dangjian.activities.models import ActivityKind, Participation, ParticipationStatus

from .models import ClassSession, Enrolment, EnrolmentStatus, TrainingClass

ATTENDED = ParticipationStatus.ATTENDED
ZERO = Decimal("0")
MATRIX_PAGE = 100  # members per page of a class's attendance matrix


@dataclass
class MatrixRow:
    enrolment: Enrolment
    cells: list[Any] = field(default_factory=list)  # per session: (status, hours) or None
    attended: int = 0
    hours: Decimal = ZERO
    certified: bool = False


@dataclass
class Matrix:
    sessions: list[ClassSession]
    rows: list[MatrixRow]
    page: int = 1
    pages: int = 1
    total: int = 0

    @property
    def certified(self) -> list[MatrixRow]:
        return [r for r in self.rows if r.certified]


def sessions_of(klass: TrainingClass) -> list[ClassSession]:
    return list(
        ClassSession.objects.filter(training_class=klass)
        .select_related("activity")
        .only(
            "number",
            "training_class_id",
            "activity__title",
            "activity__held_on",
            "activity__planned_on",
            "activity__org_id",
        )
        .order_by("number", "pk")
    )


def matrix(
    klass: TrainingClass,
    enrolments: QuerySet[Enrolment],
    page: int | None = None,
    per_page: int = MATRIX_PAGE,
) -> Matrix:
    """Member × session for the enrolments given (already restricted by the caller): the
    sessions, the enrolments (one page of them when `page` is given, plus their count) and
    the participations of those members in those sessions — a fixed number of queries."""
    sessions = sessions_of(klass)
    listed = (
        enrolments.filter(training_class=klass)
        .select_related("member__org")
        .only(
            "status",
            "enrolled_on",
            "note",
            "training_class_id",
            "member__name",
            "member__org__name",
            "member__org__path",
        )
        .order_by("member__org__path", "member__name", "pk")
    )
    total = None
    if page is not None:
        total = listed.count()
        pages = max(1, -(-total // per_page))
        page = min(max(page, 1), pages)
        listed = listed[(page - 1) * per_page : page * per_page]
    rows = [MatrixRow(e) for e in listed]
    column = {s.activity_id: i for i, s in enumerate(sessions)}
    by_member = {r.enrolment.member_id: r for r in rows}
    for r in rows:
        r.cells = [None] * len(sessions)
    if sessions and rows:
        members = (
            list(by_member)
            if page is not None
            else enrolments.filter(training_class=klass).values("member_id")
        )
        found = Participation.objects.filter(
            activity__class_session__training_class=klass, member_id__in=members
        ).values_list("member_id", "activity_id", "status", "hours")
        for member_id, activity_id, status, hours in found:
            row = by_member.get(member_id)
            if row is None or activity_id not in column:
                continue
            row.cells[column[activity_id]] = (status, hours)
            if status == ATTENDED:
                row.attended += 1
                row.hours += hours or ZERO
    for r in rows:
        r.certified = (
            r.enrolment.status == EnrolmentStatus.ENROLLED and r.attended >= klass.required_sessions
        )
    result = Matrix(sessions, rows)
    if page is not None:
        result.page, result.total = page, total or 0
        result.pages = max(1, -(-result.total // per_page))
    return result


def attach_progress(enrolments: list[Enrolment]) -> list[Enrolment]:
    """Set `n_attended` and `class_hours` on a page of enrolments in one grouped query (for
    lists whose page is taken first: the per-row subqueries of `with_progress` would be
    computed for every row before the sort)."""
    if not enrolments:
        return enrolments
    found = {
        (c, m): (n, h)
        for c, m, n, h in Participation.objects.filter(
            status=ATTENDED,
            member_id__in={e.member_id for e in enrolments},
            activity__class_session__training_class_id__in={
                e.training_class_id for e in enrolments
            },
        )
        .values_list("activity__class_session__training_class_id", "member_id")
        .annotate(n=Count("pk"), h=Sum("hours"))
        .values_list("activity__class_session__training_class_id", "member_id", "n", "h")
        .order_by()
    }
    for e in enrolments:
        n, h = found.get((e.training_class_id, e.member_id), (0, None))
        e.n_attended = n  # type: ignore[attr-defined]
        e.class_hours = h if h is not None else ZERO  # type: ignore[attr-defined]
    return enrolments


def with_progress(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate each enrolment with `n_attended` and `class_hours`: its member's attended
    sessions of its class and their 学时 (one subquery each)."""
    mine = Participation.objects.filter(
        activity__class_session__training_class=OuterRef("training_class"),
        member_id=OuterRef("member_id"),
        status=ATTENDED,
    ).order_by()
    count = mine.values("member_id").annotate(n=Count("pk")).values("n")
    hours = mine.values("member_id").annotate(h=Sum("hours")).values("h")
    dec: DecimalField = DecimalField(max_digits=8, decimal_places=1)
    return enrolments.annotate(
        n_attended=Coalesce(Subquery(count, output_field=IntegerField()), 0),
        class_hours=Coalesce(Subquery(hours, output_field=dec), ZERO, output_field=dec),
    )


def member_years(member: Any) -> list[dict]:
    """A member's 学时 per year from every source, newest first: `total` (all attended
    activities with hours), `training` (training of any kind), of which `classes` (the
    sessions of a class), and `other` (other activities' hours when recorded). One query."""
    dec: DecimalField = DecimalField(max_digits=8, decimal_places=1)
    training = Q(activity__kind=ActivityKind.TRAINING)
    in_class = Q(activity__class_session__isnull=False)
    rows = (
        Participation.objects.filter(
            member=member, status=ATTENDED, activity__held_on__isnull=False
        )
        .annotate(year=ExtractYear("activity__held_on"))
        .values("year")
        .annotate(
            total=Coalesce(Sum("hours"), ZERO, output_field=dec),
            training=Coalesce(Sum("hours", filter=training), ZERO, output_field=dec),
            classes=Coalesce(Sum("hours", filter=in_class), ZERO, output_field=dec),
            sessions=Count("pk", filter=training),
        )
        .order_by("-year")
    )
    out = []
    for row in rows:
        row["other"] = row["total"] - row["training"]
        out.append(row)
    return out
