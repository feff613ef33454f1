"""换届排查 (the half-yearly 拉网排查 of term renewals), set-based.

For a date, every org elected for a term (every kind `orgs.termrules` names: the unit-level
机关党委/总支/支部 as well as the 党委, 党总支 and 党支部 below) that existed on that date
gets the renewal status of the term that was current then (started on or before the date, not yet ended on it), grouped
by its unit-level org (the 机关党组织 above it, or itself). `dangjian remind` reads the same
selection (`reminder_sources.term_drafts` calls `run_sweep` with the defaults), so the
reminders and the sweep can never disagree on which orgs are due. One query reads every row: the current
term comes through a LEFT JOIN on a FilteredRelation (terms of one org never overlap —
`orgs.services` refuses it — so the join yields at most one term per org), and the status
is a CASE with the thresholds of `orgs.termrules` computed once in Python, so the SQL
boundaries are exactly those of `termrules.status_for` (a test compares them).

`OrganizationQuerySet.with_term_status()` answers the same question for today only (it
joins the open term); a sweep for 30 June of an earlier year needs the term that was
current then, hence the date condition here.

Every query goes through `restrict(user, "view")`: a unit admin's sweep is their subtree.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Case, F, FilteredRelation, Q, Value, When
from django.utils import timezone

from dangjian.core.excel import writer
from dangjian.core.excel.workbook import audit, xlsx_response
from dangjian.core.metrics import MetricScope, metric
from dangjian.orgs import termrules
from dangjian.orgs.models import Organization, OrgKind, OrgStatus

from . import loader

S = termrules.TermStatus

# The statuses a sweep reports, most urgent first (the report's column order).
STATUSES: tuple[str, ...] = (S.OVERDUE, S.DUE_3, S.DUE_6, S.NORMAL, S.NO_DATA)
STATUS_LABELS = {s: S.LABELS[s] for s in STATUSES}
STATUS_BADGES = {s: S.BADGES[s] for s in STATUSES}
DUE_STATUSES = (S.DUE_6, S.DUE_3)

# 《基层组织选举工作条例》第三条 (regulations.md §C, verified): what every 换届 reminder cites.
RULE_ID = "term.renewal.on_time"
REMINDER_RULE_ID = "term.renewal.reminders"  # the local rule switching the reminders on/off
CITATION = (
    "《中国共产党基层组织选举工作条例》（2020）第三条：“任期届满应当按期进行换届选举。"
    "如需延期或者提前…应当报上级党组织批准。延长或者提前期限一般不超过1年。”（已核实）"
)


def citation() -> str:
    """The rule library's citation text (the constant above if the library lacks the rule)."""
    try:
        return loader.get_rule(RULE_ID).citation.text()
    except LookupError:
        return CITATION


UNIT_PATH_LEN = 2 * Organization.steplen  # the unit-level org sits just below the 工委 root
OVERDUE_LONG_DAYS = 365


@dataclass
class SweepRow:
    org_id: int
    name: str
    kind: str
    path: str
    term_id: int | None
    term_number: int | None
    started_on: dt.date | None
    due_on: dt.date | None
    status: str
    day: dt.date

    @property
    def kind_label(self) -> str:
        return str(OrgKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def unit_path(self) -> str:
        return self.path[:UNIT_PATH_LEN]

    @property
    def days_overdue(self) -> int | None:
        if self.status != S.OVERDUE or self.due_on is None:
            return None
        return (self.day - self.due_on).days

    @property
    def days_left(self) -> int | None:
        if self.due_on is None or self.status == S.OVERDUE:
            return None
        return (self.due_on - self.day).days


@dataclass
class UnitGroup:
    path: str
    org_id: int | None
    name: str
    rows: list[SweepRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.rows)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def count_list(self) -> list[int]:
        c = self.counts
        return [c[s] for s in STATUSES]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def attention(self) -> int:
        """Rows that need action (anything but normal)."""
        return sum(1 for r in self.rows if r.status != S.NORMAL)


@dataclass
class Sweep:
    day: dt.date
    rows: list[SweepRow]
    units: list[UnitGroup]

    @property
    def totals(self) -> dict[str, int]:
        c = Counter(r.status for r in self.rows)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def total_list(self) -> list[int]:
        t = self.totals
        return [t[s] for s in STATUSES]

    @property
    def overdue_long(self) -> list[SweepRow]:
        """Overdue by more than a year (beyond any extension the rules allow), longest first."""
        rows = [r for r in self.rows if (r.days_overdue or 0) > OVERDUE_LONG_DAYS]
        return sorted(rows, key=lambda r: -(r.days_overdue or 0))


def existing_on(day: dt.date) -> Q:
    """Orgs that existed on `day`: established by then (or undated), not dissolved by then."""
    return Q(Q(established_on__isnull=True) | Q(established_on__lte=day)) & Q(
        Q(status=OrgStatus.ACTIVE) | Q(dissolved_on__gt=day)
    )


def sweep_queryset(
    user: Any,
    day: dt.date,
    within: Organization | None = None,
    kinds: tuple[str, ...] | None = None,
):
    """Orgs in the user's scope annotated with the term current on `day` and its status.

    Annotations: `term_id`, `term_number`, `term_started_on`, `term_due_on` (the approved
    extension when there is one) and `sweep_status`. `kinds` defaults to every kind that
    is elected for a term (the unit-level org included: it has a term and gets reminders).
    """
    if kinds is None:
        kinds = termrules.term_kinds()
    far, near = termrules.thresholds(day)
    qs = Organization.objects.restrict(user, "view").filter(existing_on(day), kind__in=kinds)
    if within is not None:
        qs = qs.within(within)
    return (
        qs.annotate(
            sweep_term=FilteredRelation(
                "terms",
                condition=Q(terms__started_on__lte=day)
                & Q(Q(terms__ended_on__isnull=True) | Q(terms__ended_on__gt=day)),
            ),
            term_id=F("sweep_term__id"),
            term_number=F("sweep_term__number"),
            term_started_on=F("sweep_term__started_on"),
            term_due_on=Case(
                When(
                    sweep_term__extension_approved=True,
                    sweep_term__extended_to__isnull=False,
                    then=F("sweep_term__extended_to"),
                ),
                default=F("sweep_term__planned_end_on"),
                output_field=models.DateField(),
            ),
        )
        .annotate(
            sweep_status=Case(
                When(term_due_on__isnull=True, then=Value(S.NO_DATA)),
                When(term_due_on__lt=day, then=Value(S.OVERDUE)),
                When(term_due_on__lte=near, then=Value(S.DUE_3)),
                When(term_due_on__lte=far, then=Value(S.DUE_6)),
                default=Value(S.NORMAL),
                output_field=models.CharField(),
            )
        )
        .order_by("path")
    )


def run_sweep(
    user: Any,
    day: dt.date,
    within: Organization | None = None,
    status: str | None = None,
    kinds: tuple[str, ...] | None = None,
) -> Sweep:
    """The sweep for `day` as rows grouped by unit (two queries: the rows, the unit names)."""
    qs = sweep_queryset(user, day, within, kinds)
    if status:
        qs = qs.filter(sweep_status=status)
    rows = [
        SweepRow(
            org_id=r["pk"],
            name=r["name"],
            kind=r["kind"],
            path=r["path"],
            term_id=r["term_id"],
            term_number=r["term_number"],
            started_on=r["term_started_on"],
            due_on=r["term_due_on"],
            status=r["sweep_status"],
            day=day,
        )
        for r in qs.values(
            "pk",
            "name",
            "kind",
            "path",
            "term_id",
            "term_number",
            "term_started_on",
            "term_due_on",
            "sweep_status",
        )
    ]
    return Sweep(day=day, rows=rows, units=_group_by_unit(user, rows))


def _group_by_unit(user: Any, rows: list[SweepRow]) -> list[UnitGroup]:
    paths = sorted({r.unit_path for r in rows})
    # Names only of unit orgs the user may see; a branch secretary's group gets a generic label.
    names = {
        path: (pk, name)
        for path, pk, name in Organization.objects.restrict(user, "view")
        .filter(path__in=paths)
        .values_list("path", "pk", "name")
    }
    groups = {p: UnitGroup(p, *names.get(p, (None, "上级单位党组织"))) for p in paths}
    for r in rows:
        groups[r.unit_path].rows.append(r)
    return [groups[p] for p in paths]


def half_year_ends(year: int, today: dt.date) -> list[dt.date]:
    """The 拉网排查 report dates of `year` (30 June, 31 December) that are not in the future."""
    return [d for d in (dt.date(year, 6, 30), dt.date(year, 12, 31)) if d <= today]


def recent_half_year_ends(today: dt.date, count: int = 6) -> list[dt.date]:
    """The last `count` report dates up to `today`, newest first (the page's presets)."""
    out: list[dt.date] = []
    year = today.year
    while len(out) < count:
        out.extend(reversed(half_year_ends(year, today)))
        year -= 1
    return out[:count]


# --- xlsx ------------------------------------------------------------------------------

HEADERS = [
    "单位党组织",
    "党组织名称",
    "组织类别",
    "届次",
    "选举日期",
    "应换届日期",
    "换届状态",
    "超期天数",
]
SUMMARY_HEADERS = ["单位党组织", *[STATUS_LABELS[s] for s in STATUSES], "合计"]


def _sheet(wb: Any, title: str, headers: list[str], widths: list[int]):
    return writer.sheet(wb, title, headers=headers, widths=widths, freeze="A2")


def workbook(sweep: Sweep) -> Any:
    """汇总 (per unit counts), 明细 (every org) and 超期一年以上 sheets, Chinese headers."""
    wb = writer.new_workbook()
    summary = _sheet(wb, "汇总", SUMMARY_HEADERS, [28, *[12] * len(STATUSES), 10])
    for unit in sweep.units:
        writer.append(summary, [unit.name, *unit.count_list, unit.total])
    writer.append(summary, ["合计", *sweep.total_list, len(sweep.rows)])
    widths = [28, 30, 10, 8, 12, 12, 14, 10]
    names = {u.path: u.name for u in sweep.units}
    for title, rows in (("明细", sweep.rows), ("超期一年以上", sweep.overdue_long)):
        ws = _sheet(wb, title, HEADERS, widths)
        for r in rows:
            writer.append(
                ws,
                [
                    names.get(r.unit_path, ""),
                    r.name,
                    r.kind_label,
                    r.term_number,
                    r.started_on,
                    r.due_on,
                    r.status_label,
                    r.days_overdue,
                ],
            )
            writer.style_row(ws, ws.max_row, number_format="yyyy-mm-dd", columns=slice(4, 6))
    note = writer.sheet(wb, "说明")
    writer.append(note, [f"换届情况排查（拉网排查），排查日期：{sweep.day:%Y-%m-%d}"])
    writer.append(note, [citation()])
    writer.append(
        note, ["“6个月内到期”“3个月内到期”按应换届日期（已批准延期的按延期至日期）计算。"]
    )
    return wb


def xlsx_download(user: Any, sweep: Sweep, within: Organization | None = None):
    """The sweep as an xlsx download; the export is audited like every other export."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    writer.save_to(workbook(sweep), out)
    out.seek(0)
    audit(
        user,
        "export",
        "success",
        model="rules.term_sweep",
        rows=len(sweep.rows),
        filters={"date": sweep.day.isoformat(), "within": within.pk if within else None},
    )
    return xlsx_response(out, f"换届排查_{sweep.day:%Y%m%d}.xlsx")


# --- metrics (seed-figures.md row 15) --------------------------------------------------


def _metric_day(scope: MetricScope) -> dt.date:
    """The year's last day, or today while the year is still running."""
    return min(dt.date(scope.year, 12, 31), timezone.localdate())


def _swept_orgs(scope: MetricScope):
    ends = half_year_ends(scope.year, _metric_day(scope))
    day = ends[-1] if ends else _metric_day(scope)
    return sweep_queryset(scope.user, day, scope.within)


def _counted(scope: MetricScope, statuses: tuple[str, ...]):
    return sweep_queryset(scope.user, _metric_day(scope), scope.within).filter(
        sweep_status__in=statuses
    )


@metric(
    "terms.renewal_sweep",
    "换届情况拉网排查次数",
    "次",
    drilldown=_swept_orgs,
    description="每半年（6月30日、12月31日）对实行任期制的党组织换届情况排查一次；当年已到的排查日数。",
)
def renewal_sweep(scope: MetricScope) -> int:
    return len(half_year_ends(scope.year, _metric_day(scope)))


@metric(
    "terms.due_count",
    "6个月内应换届的党组织数",
    "个",
    drilldown=lambda scope: _counted(scope, DUE_STATUSES),
    description="年末（当年为今天）届期在6个月内届满的党组织（含单位党组织）。",
)
def due_count(scope: MetricScope) -> int:
    return _counted(scope, DUE_STATUSES).count()


@metric(
    "terms.overdue_count",
    "换届超期的党组织数",
    "个",
    drilldown=lambda scope: _counted(scope, (S.OVERDUE,)),
    description="年末（当年为今天）届期已满而未换届的党组织（含单位党组织）。",
)
def overdue_count(scope: MetricScope) -> int:
    return _counted(scope, (S.OVERDUE,)).count()
