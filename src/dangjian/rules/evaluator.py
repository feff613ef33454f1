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
- not_due: the period starts after `today`, or is still running and not yet met;
- compliant: at least `min_count` activities (all of them satisfying the per-activity check);
  a yearly rule with a preferred quarter adds a warning when none was held in it;
- exempt: not met, but an approved org exemption (`RuleExemption`) overlaps the period —
  **any overlap** excuses the shortfall, because a requirement such as "once a quarter"
  cannot be split between the exempt and the non-exempt days (docs/decisions/0005);
- noncompliant: otherwise.
A compliance rate is compliant ÷ (compliant + noncompliant): exempt, not_due and
not_applicable cells are left out of it.

Full members for the 支委会 condition (approximation, documented in docs/rules.md): members
whose membership is normal and status full, counted in the subtree of the org they are in
now, from `full_member_on` (or `joined_on` when it is empty) — the same test
`activities.kinds.full_members_at` applies when a 支委会 is recorded. Transfers are history
the count does not replay: a member who moved counts in the new org for earlier months too.

Who sees what: the orgs in the user's scope for `rules.view_compliance` (every org role
has it). The counts behind a cell are figures about those orgs, so they are counted over
the same subtree, whoever recorded the activities.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from django.db import connections
from django.db.models import Case, Count, Exists, Func, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from dangjian.activities.models import Activity, AgendaItem
from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import scope_q
from dangjian.members.models import Member, MembershipState, MemberStatus
from dangjian.orgs.models import Organization, OrgStatus

from .models import RuleExemption
from .periods import Period, periods
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

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

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
) -> Evaluation:
    """Judge `rules` (default: every enabled frequency rule) for `user`'s scope and `year`."""
    today = today or timezone.localdate()
    chosen = [r for r in (enabled_rules() if rules is None else rules) if r.kind == FREQUENCY]
    empty = Evaluation(year, today, within, chosen, {}, [])
    org_q = org_scope(user, "path", within)
    if org_q is None or not chosen:
        return empty
    kinds = {k for r in chosen for k in r.applies_to}
    orgs = {
        row["id"]: OrgRow(
            row["id"],
            row["name"],
            row["kind"],
            row["path"],
            row["established_on"],
            row["dissolved_on"],
            row["status"] == OrgStatus.DISSOLVED,
        )
        for row in Organization.objects.filter(org_q, kind__in=kinds)
        .order_by("path")
        .values("id", "name", "kind", "path", "established_on", "dissolved_on", "status")
    }
    if not orgs:
        return Evaluation(year, today, within, chosen, orgs, [])
    # The same scope as `org_q`, on the rows' org path (not None, since org_q is not).
    member_q = activity_q = org_scope(user, "org__path", within) or Q()
    exemptions = load_exemptions(activity_q, chosen, year)
    present = {o.kind for o in orgs.values()}
    judged = [r for r in chosen if present.intersection(r.applies_to)]
    conditional = any(r.schedule.min_full_members for r in judged)
    full_members = full_member_counts(member_q, year) if conditional else {}
    counts = activity_counts(activity_q, judged, year, today) if judged else {}
    cells: list[Cell] = []
    for rule in judged:
        cells.extend(judge(rule, orgs, counts[rule.id], exemptions, full_members, year, today))
    return Evaluation(year, today, within, chosen, orgs, cells)


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
    activity_q: Q, rules: list[Rule], year: int, today: dt.date
) -> dict[str, RuleCounts]:
    """{rule id: its counts per (org, period): held, held in the preferred quarter, passing}.

    One aggregate query for all the rules: GROUP BY org and month, with one conditional
    COUNT per rule (its activity kinds, org kinds and day of month) — and one more for a
    rule that checks every activity (第一议题). Quarters and the year are sums of months,
    added up here, so only the month is extracted in SQL (`DatePart`).
    """
    last = min(dt.date(year, 12, 31), today)
    aggregates: dict[str, Any] = {}
    first_topic = Exists(AgendaItem.objects.filter(activity_id=OuterRef("pk"), is_first_topic=True))
    for i, rule in enumerate(rules):
        f = rule.schedule
        match = Q(kind__in=f.activity_kinds, org__kind__in=rule.applies_to)
        if f.day_of_month:
            match &= Q(day=f.day_of_month)
        aggregates[f"n{i}"] = Count("pk", filter=match)
        if f.every_activity_has == "first_topic":
            aggregates[f"ok{i}"] = Count("pk", filter=match & Q(first_topic))
    names = list(aggregates)
    qs = Activity.objects.filter(
        activity_q,
        kind__in={k for r in rules for k in r.schedule.activity_kinds},
        org__kind__in={k for r in rules for k in r.applies_to},
        held_on__gte=dt.date(year, 1, 1),
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


def full_member_counts(q: Q | None, year: int) -> dict[str, list[int]]:
    """{org path: [full members of its subtree at the end of month 1..12]} — one query.

    A member is full from the later of `joined_on` and `full_member_on` (the test of
    `activities.kinds.full_members_at`). The query counts members per org and the month of
    the year they became full (0: before the year, 13: after it); the running sums per
    month and the subtree sums (walking each member org's path prefixes) are added here.
    """
    if q is None:
        return {}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    since = Greatest("joined_on", Coalesce("full_member_on", "joined_on"))
    rows = (
        Member.objects.filter(q, membership=MembershipState.NORMAL, status=MemberStatus.FULL)
        .annotate(since=since)
        .annotate(
            bucket=Case(
                When(since__lt=start, then=Value(0)),
                When(since__gt=end, then=Value(13)),
                default=DatePart("since", "month"),
                output_field=IntegerField(),
            )
        )
        .values("org__path", "bucket")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("org__path", "bucket", "n")
    )
    per_org: dict[str, list[int]] = defaultdict(lambda: [0] * 14)
    for path, bucket, n in fetch_rows(rows):
        per_org[path][bucket] += n
    step = Organization.steplen
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    for path, by_bucket in per_org.items():
        running, monthly = by_bucket[0], []
        for month in range(1, 13):
            running += by_bucket[month]
            monthly.append(running)
        for cut in range(step, len(path) + 1, step):
            acc = totals[path[:cut]]
            for i in range(12):
                acc[i] += monthly[i]
    return totals


def judge(
    rule: Rule,
    orgs: dict[int, OrgRow],
    counts: RuleCounts,
    exemptions: dict[tuple[int, str], list[tuple[dt.date, dt.date | None]]],
    full_members: dict[str, list[int]],
    year: int,
    today: dt.date,
) -> list[Cell]:
    """The cells of one rule, from the counts (pure Python: no query)."""
    f = rule.schedule
    NA, DUE, COMPLIANT = Status.NOT_APPLICABLE, Status.NOT_DUE, Status.COMPLIANT
    cells: list[Cell] = []
    rule_periods = periods(f.period, year)
    in_force = [rule.in_force(p.start, p.end) for p in rule_periods]
    no_committee = f"正式党员不足 {f.min_full_members} 人，未设支部委员会"
    held, preferred, passing = counts.held, counts.in_preferred_quarter, counts.passing
    steps = [(p, p.start, p.end, p.index, ok) for p, ok in zip(rule_periods, in_force, strict=True)]
    rule_id, min_count, threshold = rule.id, f.min_count, f.min_full_members
    vacuous = bool(f.every_activity_has) and min_count == 0
    for org in orgs.values():
        if org.kind not in rule.applies_to:
            continue
        org_exemptions = exemptions.get((org.id, rule_id), ())
        members = full_members.get(org.path) if threshold else None
        base = org.id * 16
        for p, start, end, index, p_in_force in steps:
            cell = Cell(rule_id, org.id, p, NA, required=min_count)
            cells.append(cell)
            if not p_in_force:
                cell.reason = REASON_NOT_IN_FORCE
                continue
            if not org.existed_throughout(start, end):
                cell.reason = REASON_NOT_EXISTING
                continue
            if threshold and (members is None or members[end.month - 1] < threshold):
                cell.reason = no_committee
                continue
            if start > today:
                cell.status = DUE
                continue
            key = base + index
            n = held.get(key, 0)
            n_ok = n if passing is None else passing.get(key, 0)
            cell.count = n
            if vacuous and n == 0:
                cell.reason = REASON_NO_ACTIVITY
                continue
            if n >= min_count and n_ok == n:
                cell.status = COMPLIANT
                if f.preferred_quarter and not preferred.get(key):
                    cell.warning = f"未在第{'一二三四'[f.preferred_quarter - 1]}季度召开"
            elif end >= today:
                cell.status = DUE
            elif any(s <= end and (e is None or e >= start) for s, e in org_exemptions):
                cell.status = Status.EXEMPT
            else:
                cell.status = Status.NONCOMPLIANT
                if n_ok < n:
                    cell.reason = f"{n - n_ok} 次活动缺少第一议题"
    return cells
