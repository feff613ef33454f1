"""The records behind the 党内统计 tables, read set-based: a handful of queries per scope.

- the year-end roll as one GROUP BY over every dimension the tables break it down by
  (members.presence decides who was on the roll; the bands are SQL CASEs);
- the ids on the roll at both ends of the year (for the balance check);
- the year's joiners, conversions, extensions, exits and transfers, each one query, each
  placed in the scope by the org the member belonged to **on the day of the event**
  (`path_on`: the presence rule for one date per row).

No query runs per member or per org.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from dangjian.core.excel import chunks
from dangjian.members.models import Exit, Member, Transfer
from dangjian.members.presence import org_path_on, present
from dangjian.orgs import termrules
from dangjian.recruitment.models import RecruitmentStep, Step
from dangjian.rules.sweep import sweep_queryset

from .scope import StatScope

# Age on the counting day (completed years). A member is at most N when born after the day
# N + 1 years earlier: the boundary birthday of "30 or younger" is 31 years before.
AGE_BANDS: tuple[tuple[str, str, int | None], ...] = (
    ("le30", "30岁及以下", 30),
    ("31_35", "31至35岁", 35),
    ("36_40", "36至40岁", 40),
    ("41_45", "41至45岁", 45),
    ("46_50", "46至50岁", 50),
    ("51_55", "51至55岁", 55),
    ("56_60", "56至60岁", 60),
    ("ge61", "61岁及以上", None),
)
AGE_UNKNOWN = "unknown"

# 入党时间: the 公报 names the periods; the boundary days are the events' opening days
# (docs/statistics.md: 1949-10-01 founding, 1978-12-18 the Third Plenum of the 11th Central
# Committee opened, 2012-11-08 the 18th National Congress opened). A member who joined on a
# boundary day belongs to the later period.
PERIODS: tuple[tuple[str, str, dt.date | None], ...] = (
    ("before_1949", "新中国成立前", dt.date(1949, 10, 1)),
    ("to_1978", "新中国成立后至党的十一届三中全会前", dt.date(1978, 12, 18)),
    ("to_2012", "党的十一届三中全会后至党的十八大前", dt.date(2012, 11, 8)),
    ("since_2012", "党的十八大以来", None),
)


def add_years(day: dt.date, years: int) -> dt.date:
    return termrules.add_years(day, years)


def age_band_case(day: dt.date) -> Case:
    whens = [When(birth_date__isnull=True, then=Value(AGE_UNKNOWN))]
    for key, _label, top in AGE_BANDS:
        if top is not None:
            whens.append(When(birth_date__gt=add_years(day, -(top + 1)), then=Value(key)))
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def age_band_of(birth: dt.date | None, day: dt.date) -> str:
    """The same band in Python (for the few rows read one by one: the year's joiners)."""
    if birth is None:
        return AGE_UNKNOWN
    for key, _label, top in AGE_BANDS:
        if top is not None and birth > add_years(day, -(top + 1)):
            return key
    return AGE_BANDS[-1][0]


def period_case() -> Case:
    whens = [
        When(joined_on__lt=until, then=Value(key))
        for key, _l, until in PERIODS
        if until is not None
    ]
    return Case(*whens, default=Value(PERIODS[-1][0]), output_field=CharField())


def path_on(date_ref: str, *, inclusive: bool = False, member: str = "pk") -> Case:
    """The path of the org a member belonged to on the date in `date_ref` (a field of the
    row): the source of their first transfer after that day, else their current org — the
    rule of members.presence for one date per row. `inclusive` counts a transfer on the day
    itself as later (for "the day before an exit")."""
    op = "gte" if inclusive else "gt"
    later = Transfer.objects.filter(
        member_id=OuterRef(member), **{f"transferred_on__{op}": OuterRef(date_ref)}
    ).order_by("transferred_on", "pk")
    current = "org__path" if member == "pk" else "member__org__path"
    return Case(
        When(Exists(later), then=Subquery(later.values("from_org__path")[:1])),
        default=F(current),
        output_field=CharField(),
    )


@dataclass
class Joiner:
    pk: int
    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date | None
    education: str
    category: str
    joined_on: dt.date
    recorded: bool  # 发展党员纪实 has the 支部大会 (step 15) in the year


@dataclass
class Move:
    member_id: int
    on: dt.date
    from_in: bool
    to_in: bool
    from_system: bool  # the source is an org of the platform (not 系统外)
    to_system: bool


@dataclass
class Facts:
    scope: StatScope
    roll: list[dict] = field(default_factory=list)  # GROUP BY rows of the year-end roll
    start_ids: set[int] = field(default_factory=set)
    end_ids: set[int] = field(default_factory=set)
    joiners: list[Joiner] = field(default_factory=list)
    conversions: list[tuple[int, int | None]] = field(default_factory=list)  # (pk, ext months)
    extensions: int = 0
    exits: list[tuple[int, str]] = field(default_factory=list)  # (member pk, kind)
    moves: list[Move] = field(default_factory=list)
    orgs: list[dict] = field(default_factory=list)  # GROUP BY kind, form, 换届 status

    @property
    def start_total(self) -> int:
        return len(self.start_ids)

    @property
    def end_total(self) -> int:
        return sum(r["n"] for r in self.roll)

    @property
    def has_data(self) -> bool:
        return bool(
            self.start_ids
            or self.end_ids
            or self.joiners
            or self.exits
            or self.moves
            or self.conversions
        )


ROLL_DIMENSIONS = ("gender", "ethnicity", "status", "education", "category", "age_band", "period")


def roll_at_end(scope: StatScope) -> tuple[list[dict], set[int], set[int]]:
    """The year-end roll grouped by every dimension, its ids, and the ids of those on it who
    joined during the year — one query: the rows come back as (id, joining date, dimensions)
    and are counted here (SQLite's GROUP BY over the CASEs cost as much as reading the roll
    twice)."""
    day = scope.as_of
    rows = (
        present(day, scope.orgs())
        .order_by()
        .annotate(age_band=age_band_case(day), period=period_case())
        .values_list("pk", "joined_on", *ROLL_DIMENSIONS)
    )
    counts: Counter = Counter()
    ids: set[int] = set()
    new: set[int] = set()
    for pk, joined_on, *dims in rows:
        ids.add(pk)
        if joined_on > scope.previous_end:
            new.add(pk)
        counts[tuple(dims)] += 1
    roll = [{**dict(zip(ROLL_DIMENSIONS, k, strict=True)), "n": n} for k, n in counts.items()]
    return roll, ids, new


def start_ids(scope: StatScope, end_ids: set[int], joined: set[int]) -> set[int]:
    """Who was on the roll at the start of the year, from the year-end roll.

    Presence on two days differs only for a member with a joining, exit or transfer dated
    between them (members.presence reads nothing else that depends on the day). Joiners of
    the year were on no roll at the start; so every member without an exit or a transfer in
    the year was where the year-end roll has them, and the few with one are replayed on
    their loaded history by `presence.org_path_on` (the same rule, in Python) — instead of
    a second city-wide presence query.
    """
    year = (scope.start, scope.as_of)
    touched = set(
        Transfer.objects.filter(transferred_on__range=year).values_list("member_id", flat=True)
    ) | set(Exit.objects.filter(left_on__range=year).values_list("member_id", flat=True))
    kept = end_ids - touched - joined
    ids = sorted(touched)
    history: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    for chunk in chunks(ids):
        moves = (
            Transfer.objects.filter(member_id__in=chunk)
            .order_by("transferred_on", "pk")
            .values_list("member_id", "transferred_on", "from_org__path")
        )
        for pk, on, source in moves:
            history[pk].append((on, source))
        people = Member.objects.filter(pk__in=chunk).values_list(
            "pk", "joined_on", "membership", "org__path", "exit__left_on"
        )
        for pk, joined_on, membership, path, left_on in people:
            where = org_path_on(
                scope.previous_end,
                joined_on=joined_on,
                membership=membership,
                current_path=path,
                moves=history[pk],
                left_on=left_on,
            )
            if scope.path_ok(where):
                kept.add(pk)
    return kept


def joiners(scope: StatScope) -> list[Joiner]:
    """Members who joined in the year in the scope (by their org on the joining day), with
    whether the recruitment record has the 支部大会 step in the year."""
    admitted = RecruitmentStep.objects.filter(
        applicant__member_id=OuterRef("pk"),
        step=Step.ADMISSION,
        done_on__range=(scope.start, scope.as_of),
    )
    rows = (
        Member.objects.filter(joined_on__range=(scope.start, scope.as_of))
        .annotate(joined_path=path_on("joined_on"), recorded=Exists(admitted))
        .order_by()
        .values_list(
            "joined_path",
            "pk",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "category",
            "joined_on",
            "recorded",
        )
    )
    # The path is tested here, not in SQL: a WHERE on the CASE would run its subqueries again.
    return [Joiner(*r) for path, *r in rows if scope.path_ok(path)]


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def probation_events(scope: StatScope) -> tuple[list[tuple[int, int | None]], int]:
    """转正 in the year (placed by the org on the conversion day) and 延长预备期 decided in
    the year (by the org on the decision day): one scan of the members for both."""
    start, end = scope.start, scope.as_of
    rows = (
        Member.objects.filter(
            Q(full_member_on__range=(start, end)) | Q(probation_extended_on__range=(start, end))
        )
        .annotate(full_path=path_on("full_member_on"), ext_path=path_on("probation_extended_on"))
        .order_by()
        .values_list(
            "pk",
            "probation_extension_months",
            "full_member_on",
            "full_path",
            "probation_extended_on",
            "ext_path",
        )
    )
    converted: list[tuple[int, int | None]] = []
    extended = 0
    for pk, months, full_on, full_path, ext_on, ext_path in rows:
        if full_on and start <= full_on <= end and scope.path_ok(full_path):
            converted.append((pk, months))
        if ext_on and start <= ext_on <= end and scope.path_ok(ext_path):
            extended += 1
    return converted, extended


def exits(scope: StatScope) -> list[tuple[int, str]]:
    """出党 and deaths in the year, placed by the org the member was in the day before."""
    return list(
        (pk, kind)
        for pk, kind, path in Exit.objects.filter(left_on__range=(scope.start, scope.as_of))
        .annotate(exit_path=path_on("left_on", inclusive=True, member="member_id"))
        .order_by()
        .values_list("member_id", "kind", "exit_path")
        if scope.path_ok(path)
    )


def moves(scope: StatScope) -> list[Move]:
    """Transfers in the year with one end in the scope (both ends: a move inside it)."""
    rows = (
        Transfer.objects.filter(transferred_on__range=(scope.start, scope.as_of))
        .annotate(
            from_in=_flag(scope.path_in("from_org__path")),
            to_in=_flag(scope.path_in("to_org__path")),
        )
        .filter(Q(from_in=True) | Q(to_in=True))
        .order_by()
        .values_list("member_id", "transferred_on", "from_in", "to_in", "from_org_id", "to_org_id")
    )
    return [
        Move(m, on, bool(fi), bool(ti), from_org is not None, to_org is not None)
        for m, on, fi, ti, from_org, to_org in rows
    ]


def org_breakdown(scope: StatScope) -> list[dict]:
    """Orgs elected for a term that existed on the counting day, by kind, unit-level form
    and the 换届 status of the term current then (rules.sweep's one query, grouped)."""
    return list(
        sweep_queryset(scope.user, scope.as_of, scope.org)
        .order_by()
        .values("kind", "unit_form", "sweep_status")
        .annotate(n=Count("pk"))
    )


def collect(scope: StatScope) -> Facts:
    """Every fact the tables and the balance check need (about ten queries, a few more
    per 500 members who moved or left in the year)."""
    roll, end_ids, joined = roll_at_end(scope)
    converted, extended = probation_events(scope)
    return Facts(
        scope=scope,
        roll=roll,
        start_ids=start_ids(scope, end_ids, joined),
        end_ids=end_ids,
        joiners=joiners(scope),
        conversions=converted,
        extensions=extended,
        exits=exits(scope),
        moves=moves(scope),
        orgs=org_breakdown(scope),
    )


def tally(rows: list[dict], key: str) -> Counter:
    """Sum the GROUP BY counts by one dimension."""
    out: Counter = Counter()
    for r in rows:
        out[r[key]] += r["n"]
    return out
