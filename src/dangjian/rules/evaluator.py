"""Set-based compliance evaluation of the frequency rules (DESIGN §6).

For a scope (a user, optionally limited to one org's subtree) and a year, every frequency
rule is judged for every (org, period) from **one aggregate query over the activities for
all the rules** — `GROUP BY org, month` with one conditional count per rule; quarters and
the year are sums of months — plus three queries shared by all rules: the orgs, the
exemptions, and (when a rule has a committee condition) the full members per org and
month. Four queries whatever the number of orgs or rules; never a query per org.

A cell's status, in this order:
- not_applicable: the rule is not in force for the whole period, the org did not exist for
  the whole period (established after its first day, or dissolved before its end), the org
  does not meet the rule's condition at the period's end (支委会: fewer than 7 full members),
  or an "every activity" rule found no activity to check;
- not_due: the period starts after `today` ("尚未开始"), or its deadline has not passed
  and it is not yet met ("进行中": the current period is in progress, never met);
- compliant: at least `min_count` activities (all of them satisfying the per-activity check);
  a yearly rule with a preferred quarter adds a warning when none was held in it;
- exempt: not met, but an approved org exemption (`RuleExemption`) overlaps the period —
  **any overlap** excuses the shortfall, because a requirement such as "once a quarter"
  cannot be split between the exempt and the non-exempt days (docs/decisions/0005); this
  holds for a running period too, so an excused org is never asked to do it;
- noncompliant (missed): otherwise — the deadline has passed without enough activities.
A cell's deadline (`due_on`) is the period's last day, or for a rule held on a fixed day of
the month (`day_of_month`) that day: once it has passed without a meeting on it, the month
is missed although it is still running.
A compliance rate is compliant ÷ (compliant + noncompliant): exempt, not_due and
not_applicable cells are left out of it — which is why a period still in progress must be
shown as progress (done of due), never as a rate (`heatmap.HeatCell`, `rules.todo`).

Full members for the 支委会 condition: full members counted in the subtree of the org they
were in at each month-end (the transfer history replayed), from `full_member_on` (or
`joined_on` when it is empty) — one function, `activities.full_members.full_member_counts`,
which is also what `activities.kinds.has_committee` asks when a 支委会 is recorded, so a
month the evaluator judges is one in which a 支委会 could be recorded, and the other way round.

Who sees what: the orgs in the user's scope for `rules.view_compliance` (every org role
has it). The counts behind a cell are figures about those orgs, so they are counted over
the same subtree, whoever recorded the activities.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from django.db import connections
from django.db.models import (
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Length, Substr
from django.utils import timezone

from dangjian.activities import full_members
from dangjian.activities.models import Activity, AgendaItem
from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import scope_q
from dangjian.orgs.models import Organization, OrgStatus

from .models import RuleExemption
from .periods import Period, bucket_of, month_end, periods
from .schema import FREQUENCY, Rule
from .switches import enabled_rules

VIEW_PERM = "rules.view_compliance"


class DatePart(Func):
    """Month or day number of a date column, in the database's own SQL.

    PostgreSQL: EXTRACT; SQLite: strftime. (Django's ExtractMonth on SQLite calls a Python
    function for every row, which costs more than the rest of the evaluation together.)
    """

    output_field = IntegerField()
    arity = 1

    def __init__(self, expression, part: str) -> None:
        assert part in ("month", "day")
        self.part = part
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template=f"CAST(EXTRACT({self.part.upper()} FROM %(expressions)s) AS INTEGER)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        code = "%%%%m" if self.part == "month" else "%%%%d"
        return super().as_sql(
            compiler,
            connection,
            template=f"CAST(strftime('{code}', %(expressions)s) AS INTEGER)",
            **extra,
        )


class Status:
    COMPLIANT = "compliant"
    NONCOMPLIANT = "noncompliant"
    EXEMPT = "exempt"
    NOT_APPLICABLE = "not_applicable"
    NOT_DUE = "not_due"

    ALL = (COMPLIANT, NONCOMPLIANT, EXEMPT, NOT_DUE, NOT_APPLICABLE)
    LABELS = {
        COMPLIANT: "达标",
        NONCOMPLIANT: "未达标",
        EXEMPT: "豁免",
        NOT_APPLICABLE: "不适用",
        NOT_DUE: "未到期",
    }
    BADGES = {
        COMPLIANT: "bg-green-lt",
        NONCOMPLIANT: "bg-red-lt",
        EXEMPT: "bg-blue-lt",
        NOT_APPLICABLE: "bg-secondary-lt",
        NOT_DUE: "bg-secondary-lt",
    }


REASON_NOT_IN_FORCE = "规则在该期间未施行"
REASON_NOT_EXISTING = "组织在该期间未整期存续"
REASON_NO_ACTIVITY = "本期没有需要检查的活动"
REASON_NOT_STARTED = "尚未开始"


@dataclass(frozen=True, slots=True)
class OrgRow:
    id: int
    name: str
    kind: str
    path: str
    established_on: dt.date | None
    dissolved_on: dt.date | None
    dissolved: bool

    def existed_throughout(self, start: dt.date, end: dt.date) -> bool:
        """Established on or before `start` and not dissolved by `end` (no date = always existed)."""
        if self.established_on is not None and self.established_on > start:
            return False
        if self.dissolved_on is not None:
            return self.dissolved_on > end
        return not self.dissolved


@dataclass(slots=True)
class Cell:
    rule_id: str
    org_id: int
    period: Period
    status: str
    count: int = 0
    required: int = 0
    warning: str = ""
    reason: str = ""
    due_on: dt.date | None = None  # the deadline of a judged cell (see the module docstring)

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def in_progress(self) -> bool:
        """Not met yet, deadline still ahead, period already started: the current one."""
        return self.status == Status.NOT_DUE and self.reason != REASON_NOT_STARTED

    @property
    def status_badge(self) -> str:
        return Status.BADGES[self.status]


@dataclass
class RuleSummary:
    rule_id: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Status.ALL, 0))
    warnings: int = 0

    @property
    def applicable(self) -> int:
        return self.counts[Status.COMPLIANT] + self.counts[Status.NONCOMPLIANT]

    @property
    def rate(self) -> float | None:
        """Share of judged cells that are compliant (exempt / not due / n.a. left out)."""
        return self.counts[Status.COMPLIANT] / self.applicable if self.applicable else None

    def as_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "rule": self.rule_id,
            **self.counts,
            "warnings": self.warnings,
            "applicable": self.applicable,
            "rate": None if rate is None else round(rate, 4),
        }


@dataclass
class Evaluation:
    year: int
    today: dt.date
    within: Organization | None
    rules: list[Rule]
    orgs: dict[int, OrgRow]
    cells: list[Cell]
    parents: dict[int, str] = field(default_factory=dict)  # org id → parent's name, if asked

    def summaries(self) -> dict[str, RuleSummary]:
        result = {r.id: RuleSummary(r.id) for r in self.rules}
        for cell in self.cells:
            s = result[cell.rule_id]
            s.counts[cell.status] += 1
            if cell.warning:
                s.warnings += 1
        return result

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def cell_dict(self, cell: Cell) -> dict[str, Any]:
        org = self.orgs[cell.org_id]
        return {
            "rule": cell.rule_id,
            "org": cell.org_id,
            "org_name": org.name,
            "org_kind": org.kind,
            "period": cell.period.key,
            "start": cell.period.start.isoformat(),
            "end": cell.period.end.isoformat(),
            "status": cell.status,
            "count": cell.count,
            "required": cell.required,
            "warning": cell.warning,
            "reason": cell.reason,
            "due_on": cell.due_on.isoformat() if cell.due_on else None,
        }


def org_scope(user: Any, field_name: str, within: Organization | None) -> Q | None:
    """The scope of `rules.view_compliance` on `field_name` (a path), limited to `within`."""
    q = scope_q(user, VIEW_PERM, field_name)
    if q is None:
        return None
    if within is not None:
        q &= path_prefix_q(field_name, within.path)
    return q


def evaluate(
    user: Any,
    year: int,
    *,
    within: Organization | None = None,
    rules: Iterable[Rule] | None = None,
    today: dt.date | None = None,
    around: dt.date | None = None,
    parts: Sequence[tuple[str, bool]] | None = None,
    parent_names: bool = False,
) -> Evaluation:
    """Judge `rules` (default: every enabled frequency rule) for `user`'s scope and `year`.

    `around` (a day of `year`): judge only, for each rule, the period containing that day
    and the one before it in the year, reading only the activities those periods count —
    what 待办 (`rules.todo`) needs, not the whole year. Each cell judged is the same as in
    a whole-year evaluation (a test compares them).

    `parts` [(path, own)]: judge only these pieces of the scope — the subtree at `path`, or
    with `own` the org at `path` alone (its full members still counted over its subtree) —
    in one evaluation, as the compliance roll-ups (`rules.rollup`) refill the parts missing
    from their cache. Each cell is the same as in an evaluation of the whole scope.
    `parent_names`: the orgs' query also reads each one's parent's name (`parents`).
    """
    today = today or timezone.localdate()
    chosen = [r for r in (enabled_rules() if rules is None else rules) if r.kind == FREQUENCY]
    empty = Evaluation(year, today, within, chosen, {}, [])
    org_q = org_scope(user, "path", within)
    if org_q is None or not chosen or parts == []:
        return empty
    if parts is not None:
        org_q &= parts_q("path", parts)
    kinds = {k for r in chosen for k in r.applies_to}
    dissolved = OrgStatus.DISSOLVED
    org_qs = Organization.objects.filter(org_q, kind__in=kinds).order_by("path")
    columns = ["id", "name", "kind", "path", "established_on", "dissolved_on", "status"]
    if parent_names:
        step = Organization.steplen
        above = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - step)
        parent = Organization.objects.filter(path=above).order_by().values("name")[:1]
        org_qs = org_qs.annotate(parent_name=Subquery(parent))
        columns.append("parent_name")
    rows = fetch_rows(org_qs.values_list(*columns))
    orgs = {
        row[0]: OrgRow(
            row[0], row[1], row[2], row[3], _date(row[4]), _date(row[5]), row[6] == dissolved
        )
        for row in rows
    }
    parents = {row[0]: row[7] or "" for row in rows} if parent_names else {}
    if not orgs:
        return Evaluation(year, today, within, chosen, orgs, [], parents)
    # The same scope as `org_q`, on the rows' org path (not None, since org_q is not).
    member_q = activity_q = org_scope(user, "org__path", within) or Q()
    if parts is not None:
        activity_q = activity_q & parts_q("org__path", parts)
        # An org alone still counts the full members of its subtree when a rule asks.
        counted = {
            o.path
            for o in orgs.values()
            if any(r.schedule.min_full_members and o.kind in r.applies_to for r in chosen)
        }
        member_q = member_q & parts_q(
            "org__path", [(path, own and path not in counted) for path, own in parts]
        )
    exemptions = load_exemptions(activity_q, chosen, year)
    present = {o.kind for o in orgs.values()}
    spans = {r.id: judged_periods(r, year, around) for r in chosen}
    judged = [r for r in chosen if spans[r.id] and present.intersection(r.applies_to)]
    months = {p.end.month for r in judged if r.schedule.min_full_members for p in spans[r.id]}
    full_members = full_member_counts(member_q, year, months) if months else {}
    since = {r.id: spans[r.id][0].start for r in judged}
    counts = activity_counts(activity_q, judged, year, today, since) if judged else {}
    cells: list[Cell] = []
    for rule in judged:
        cells.extend(
            judge(rule, orgs, counts[rule.id], exemptions, full_members, today, spans[rule.id])
        )
    return Evaluation(year, today, within, chosen, orgs, cells, parents)


def parts_q(field_name: str, parts: Sequence[tuple[str, bool]]) -> Q:
    """Rows whose `field_name` (a path) lies in one of `parts`: a subtree, or one org (own)."""
    q = Q()
    for path, own in parts:
        q |= Q(**{field_name: path}) if own else path_prefix_q(field_name, path)
    return q


def judged_periods(rule: Rule, year: int, around: dt.date | None) -> tuple[Period, ...]:
    """The periods of `rule` in `year` to judge: all of them, or the one containing `around`
    and the one before it."""
    every = periods(rule.schedule.period, year)
    if around is None:
        return every
    index = bucket_of(rule.schedule.period, around) if around.year == year else 0
    return every[max(0, index - 2) : index]


def _date(value: Any) -> dt.date | None:
    """A date column as fetched without converters (SQLite returns ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def fetch_rows(queryset) -> list[tuple]:
    """The rows of a `values_list` query, fetched without Django's per-value converters.

    The SQL is still the ORM's (portable across backends); only the Python conversion of
    every value is skipped — at city scale it cost more than the query. The columns read
    this way are integers and text, which both drivers already return as such.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True, slots=True)
class RuleCounts:
    """Activity counts of one rule keyed by `org id × 16 + period index`."""

    held: dict[int, int]
    in_preferred_quarter: dict[int, int]
    passing: dict[int, int] | None  # None: the rule checks no per-activity condition


def activity_counts(
    activity_q: Q,
    rules: list[Rule],
    year: int,
    today: dt.date,
    since: dict[str, dt.date] | None = None,
) -> dict[str, RuleCounts]:
    """{rule id: its counts per (org, period): held, held in the preferred quarter, passing}.

    One aggregate query for all the rules: GROUP BY org and month, with one conditional
    COUNT per rule (its activity kinds, org kinds and day of month) — and one more for a
    rule that checks every activity (第一议题). Quarters and the year are sums of months,
    added up here, so only the month is extracted in SQL (`DatePart`).

    `since` {rule id: first day}: a rule judged over part of the year only counts from its
    first judged period, and the rows read are those some rule counts (per activity kind,
    from the earliest day a rule of that kind needs).
    """
    first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    starts = {r.id: max(first, (since or {}).get(r.id, first)) for r in rules}
    aggregates: dict[str, Any] = {}
    first_topic = Exists(AgendaItem.objects.filter(activity_id=OuterRef("pk"), is_first_topic=True))
    kind_since: dict[str, dt.date] = {}
    for i, rule in enumerate(rules):
        f = rule.schedule
        match = Q(kind__in=f.activity_kinds, org__kind__in=rule.applies_to)
        start = starts[rule.id]
        if start > first:
            match &= Q(held_on__gte=start)
        for kind in f.activity_kinds:
            kind_since[kind] = min(kind_since.get(kind, start), start)
        if f.day_of_month:
            match &= Q(day=f.day_of_month)
        aggregates[f"n{i}"] = Count("pk", filter=match)
        if f.every_activity_has == "first_topic":
            aggregates[f"ok{i}"] = Count("pk", filter=match & Q(first_topic))
    names = list(aggregates)
    by_day: dict[dt.date, list[str]] = defaultdict(list)
    for kind, day in sorted(kind_since.items()):
        by_day[day].append(kind)
    rows_q = Q()
    for day, kinds in by_day.items():
        rows_q |= Q(kind__in=kinds, held_on__gte=day)
    qs = Activity.objects.filter(
        activity_q,
        rows_q,
        org__kind__in={k for r in rules for k in r.applies_to},
        held_on__lte=last,
    )
    if any(r.schedule.day_of_month for r in rules):
        qs = qs.annotate(day=DatePart("held_on", "day"))
    rows = (
        qs.annotate(month=DatePart("held_on", "month"))
        .values("org_id", "month")
        .annotate(**aggregates)
        .order_by()
        .values_list("org_id", "month", *names)
    )
    columns = list(zip(*fetch_rows(rows), strict=True)) or [()] * (2 + len(names))
    org_ids, months = columns[0], columns[1]
    quarters = [(m - 1) // 3 + 1 for m in months]
    result: dict[str, RuleCounts] = {}
    for i, rule in enumerate(rules):
        f = rule.schedule
        counts = columns[2 + names.index(f"n{i}")]
        buckets = months if f.period == "month" else quarters if f.period == "quarter" else None
        # Integer keys (org id × 16 + period index): no tuple per row to allocate.
        n_by: dict[int, int] = {}
        pref_by: dict[int, int] = {}
        ok_by: dict[int, int] | None = {} if f"ok{i}" in names else None
        passing = columns[2 + names.index(f"ok{i}")] if ok_by is not None else counts
        for j in compress(range(len(counts)), counts):  # the rows where the rule counted any
            n = counts[j]
            key = org_ids[j] * 16 + (buckets[j] if buckets is not None else 1)
            n_by[key] = n_by.get(key, 0) + n
            if quarters[j] == f.preferred_quarter:
                pref_by[key] = pref_by.get(key, 0) + n
            if ok_by is not None:
                ok_by[key] = ok_by.get(key, 0) + passing[j]
        result[rule.id] = RuleCounts(n_by, pref_by, ok_by)
    return result


def load_exemptions(
    q: Q | None, rules: list[Rule], year: int
) -> dict[tuple[int, str], list[tuple[dt.date, dt.date | None]]]:
    """Org-level exemptions overlapping the year: {(org id, rule id): [(start, effective end)]}."""
    if q is None:
        return {}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = RuleExemption.objects.filter(
        q,
        Q(ends_on__isnull=True) | Q(ends_on__gte=start),
        Q(expires_on__isnull=True) | Q(expires_on__gte=start),
        member__isnull=True,
        rule_id__in=[r.id for r in rules],
        starts_on__lte=end,
    ).values_list("org_id", "rule_id", "starts_on", "ends_on", "expires_on")
    result: dict[tuple[int, str], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for org_id, rule_id, starts_on, ends_on, expires_on in rows:
        ends = [d for d in (ends_on, expires_on) if d is not None]
        result[(org_id, rule_id)].append((starts_on, min(ends) if ends else None))
    return result


def full_member_counts(
    q: Q | None, year: int, months: Iterable[int] | None = None
) -> dict[str, list[int]]:
    """{org path: [full members of its subtree at the end of month 1..12]}.

    The count recording uses (`activities.full_members.full_member_counts`, behind
    `kinds.has_committee`): transfer-aware, so a member counts in the org they were in at
    each month-end, full from the later of `joined_on` and `full_member_on`. With `months`
    (a few month-ends, for 待办) only those are counted; the other months stay 0 (nothing
    reads them). Two queries whatever the number of months.
    """
    if q is None:
        return {}
    wanted = sorted(set(months)) if months is not None else list(range(1, 13))
    counts = full_members.full_member_counts(q, [month_end(year, m) for m in wanted])
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    for path, values in counts.items():
        row = totals[path]
        for m, n in zip(wanted, values, strict=True):
            row[m - 1] = n
    return totals


def judge(
    rule: Rule,
    orgs: dict[int, OrgRow],
    counts: RuleCounts,
    exemptions: dict[tuple[int, str], list[tuple[dt.date, dt.date | None]]],
    full_members: dict[str, list[int]],
    today: dt.date,
    rule_periods: tuple[Period, ...],
) -> list[Cell]:
    """The cells of one rule for `rule_periods`, from the counts (pure Python: no query)."""
    f = rule.schedule
    NA, DUE, COMPLIANT = Status.NOT_APPLICABLE, Status.NOT_DUE, Status.COMPLIANT
    cells: list[Cell] = []
    no_committee = f"正式党员不足 {f.min_full_members} 人，未设支部委员会"
    held, preferred, passing = counts.held, counts.in_preferred_quarter, counts.passing
    # Per period, computed once for every org: (period, start, end, index, in force,
    # deadline, what a not-yet-due cell says).
    steps = []
    for p in rule_periods:
        deadline = p.end if not f.day_of_month else p.start.replace(day=f.day_of_month)
        pending = (
            REASON_NOT_STARTED
            if p.start > today
            else f"进行中，应于{deadline.month}月{deadline.day}日前完成"
        )
        steps.append((p, p.start, p.end, p.index, rule.in_force(p.start, p.end), deadline, pending))
    rule_id, min_count, threshold = rule.id, f.min_count, f.min_full_members
    vacuous = bool(f.every_activity_has) and min_count == 0
    applies_to = rule.applies_to
    for org in orgs.values():
        if org.kind not in applies_to:
            continue
        org_id = org.id
        org_exemptions = exemptions.get((org_id, rule_id), ())
        members = full_members.get(org.path) if threshold else None
        base = org_id * 16
        # Most orgs have no dates and are active: no check per period then.
        always = org.established_on is None and org.dissolved_on is None and not org.dissolved
        for p, start, end, index, p_in_force, deadline, pending in steps:
            cell = Cell(rule_id, org_id, p, NA, 0, min_count)
            cells.append(cell)
            if not p_in_force:
                cell.reason = REASON_NOT_IN_FORCE
                continue
            if not always and not org.existed_throughout(start, end):
                cell.reason = REASON_NOT_EXISTING
                continue
            if threshold and (members is None or members[end.month - 1] < threshold):
                cell.reason = no_committee
                continue
            cell.due_on = deadline
            if start > today:
                cell.status, cell.reason = DUE, pending
                continue
            key = base + index
            n = held.get(key, 0)
            n_ok = n if passing is None else passing.get(key, 0)
            cell.count = n
            if vacuous and n == 0:
                cell.status, cell.due_on = NA, None
                cell.reason = REASON_NO_ACTIVITY
                continue
            if n >= min_count and n_ok == n:
                cell.status = COMPLIANT
                if f.preferred_quarter and not preferred.get(key):
                    cell.warning = f"未在第{'一二三四'[f.preferred_quarter - 1]}季度召开"
            elif org_exemptions and any(
                s <= end and (e is None or e >= start) for s, e in org_exemptions
            ):
                cell.status = Status.EXEMPT
            elif deadline >= today:
                cell.status, cell.reason = DUE, pending
            else:
                cell.status = Status.NONCOMPLIANT
                if n_ok < n:
                    cell.reason = f"{n - n_ok} 次活动缺少第一议题"
    return cells
