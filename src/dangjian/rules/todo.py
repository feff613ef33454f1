"""待办 (GLOSSARY: todo): what an org has to do now — computed on each request, never stored.

One evaluation of the current and previous periods (`evaluator.evaluate(..., around=today)`)
gives, for every (org, rule) in the user's scope:
- the **current period**: 已完成 (met), 待完成 with its deadline (not yet due), 已豁免, or
  已逾期 when a fixed-day rule's day has passed without a meeting;
- the **previous period** when it was missed: 已逾期 — a meeting held but not recorded can
  still be recorded (补录), so it stays in view for one period.
The previous period of January's months and of the first quarter lies in the last year:
this year's evaluation does not judge it (last year's heatmap and the monthly reminders do).

A due item is **at risk** in the last third of its period (`RISK_DAYS`); an org is
**behind** when it has an overdue item. Orgs needing attention come worst first.

Upcoming deadlines (换届, 预备期满, 政治生日 this month) are read set-based for the same
scope, one query each. 整改 and 督查 belong to assessments, which rules must not import:
the 待办 page in `web` adds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.core.cache import caches
from django.urls import NoReverseMatch, reverse

from dangjian.activities.models import ActivityKind
from dangjian.core.scoping import holds
from dangjian.orgs import termrules
from dangjian.orgs.models import Organization, OrgKind
from dangjian.recruitment import deadlines as recruitment_deadlines

from . import deadlines, rollup, sweep
from .evaluator import Cell, Evaluation, OrgRow, Status, evaluate
from .schema import FREQUENCY, Rule
from .switches import enabled_rules

DONE, DUE, OVERDUE, EXEMPT = "done", "due", "overdue", "exempt"
STATE_LABELS = {DONE: "已完成", DUE: "待完成", OVERDUE: "已逾期", EXEMPT: "已豁免"}
STATE_BADGES = {
    DONE: "bg-green-lt",
    DUE: "bg-azure-lt",
    OVERDUE: "bg-red-lt",
    EXEMPT: "bg-secondary-lt",
}
STATE_ORDER = {OVERDUE: 0, DUE: 1, EXEMPT: 2, DONE: 3}
# The last third of a period: a due item this close to its deadline is at risk.
RISK_DAYS = {"month": 10, "quarter": 30, "year": 92}
RECORD_PERM = "activities.add_activity"
BRANCH_LEVEL = (OrgKind.BRANCH, OrgKind.PARTY_GROUP)
UNIT_PATH_LEN = 2 * Organization.steplen  # a unit-level org sits just below the 工委 root


def previous_index(kind: str, today: dt.date) -> int:
    """The index of the period before the one containing `today` (0: none this year)."""
    if kind == "month":
        return today.month - 1
    if kind == "quarter":
        return (today.month - 1) // 3
    return 0


@dataclass(slots=True)
class Item:
    """One requirement of one org for one period, with what to do about it."""

    org: OrgRow
    rule: Rule
    cell: Cell
    state: str
    today: dt.date
    due_on: dt.date
    current: bool  # the period containing today (else the previous one, missed)
    at_risk: bool = False  # still due, in the last third of its period
    record_url: str = ""  # the record form with kind, org and date filled in ("" if not allowed)

    @property
    def period(self):
        return self.cell.period

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def badge(self) -> str:
        return STATE_BADGES[self.state]

    @property
    def activity_kind(self) -> str:
        return self.rule.schedule.activity_kinds[0]

    @property
    def activity_label(self) -> str:
        return str(ActivityKind(self.activity_kind).label)

    @property
    def record_day(self) -> dt.date:
        """Today for the running period; the deadline for a missed one (补录, adjustable)."""
        return self.today if self.current and self.state != OVERDUE else self.due_on

    @property
    def count(self) -> int:
        return self.cell.count

    @property
    def required(self) -> int:
        return self.cell.required

    @property
    def note(self) -> str:
        """The item's situation in words: what was done, or by when."""
        c = self.cell
        if self.state == DONE:
            return f"已开展 {c.count} 次" + (f"（{c.warning}）" if c.warning else "")
        if self.state == EXEMPT:
            return "已批准豁免"
        due = f"{self.due_on.month}月{self.due_on.day}日"
        if self.state == OVERDUE:
            detail = c.reason or f"应开展 {c.required} 次，已记录 {c.count} 次"
            return f"已于{due}截止，{detail}"
        left = self.days_left
        when = "今天截止" if left == 0 else f"还有 {left} 天"
        done = f"，已记录 {c.count} 次" if c.count else ""
        return f"{due}前完成（{when}）{done}"


@dataclass(slots=True)
class OrgTodo:
    """The items of one org and their tally (`tally()` once the items are in)."""

    org: OrgRow
    items: list[Item] = field(default_factory=list)
    parent_name: str = ""
    unit_name: str = ""
    url: str = ""  # this org's 待办
    done: int = 0  # this period's requirements met
    total: int = 0  # this period's requirements that count (met, running, missed): not exempt
    due: int = 0
    overdue: int = 0
    at_risk: int = 0

    def tally(self) -> None:
        self.items.sort(key=_item_order)
        done = total = due = overdue = at_risk = 0
        for i in self.items:
            state = i.state
            if i.current and state != EXEMPT:
                total += 1
                if state == DONE:
                    done += 1
            if state == DUE:
                due += 1
                at_risk += i.at_risk
            elif state == OVERDUE:
                overdue += 1
        self.done, self.total, self.due, self.overdue, self.at_risk = (
            done,
            total,
            due,
            overdue,
            at_risk,
        )

    @property
    def attention(self) -> bool:
        return bool(self.overdue or self.at_risk)

    @property
    def worst_key(self) -> tuple:
        return (-self.overdue, -self.at_risk, -self.due, self.org.path)

    @property
    def open_items(self) -> list[Item]:
        return [i for i in self.items if i.state in (OVERDUE, DUE)]

    @property
    def kind_label(self) -> str:
        return str(OrgKind(self.org.kind).label)


def _item_order(i: Item) -> tuple:
    return (STATE_ORDER[i.state], i.due_on, i.rule.schedule.period, i.rule.title)


@dataclass(slots=True)
class UnitTodo:
    """The 工委's view: the orgs of one unit summed up."""

    org_id: int | None
    name: str
    path: str
    url: str = ""
    orgs: int = 0
    behind: int = 0  # orgs with an overdue item
    at_risk: int = 0  # orgs not behind with an item at risk
    done: int = 0
    total: int = 0

    def add(self, o: OrgTodo) -> None:
        self.orgs += 1
        if o.overdue:
            self.behind += 1
        elif o.at_risk:
            self.at_risk += 1
        self.done += o.done
        self.total += o.total

    @property
    def worst_key(self) -> tuple:
        return (-self.behind, -self.at_risk, -(self.total - self.done), self.path)


def summary_text(done: int, total: int, pending: int, overdue: int) -> str:
    text = f"本期 {done} / {total} 项已完成"
    if pending:
        text += f"，{pending} 项进行中"
    if overdue:
        text += f"，{overdue} 项已逾期"
    return text


@dataclass
class Todo:
    today: dt.date
    evaluation: Evaluation
    orgs: list[OrgTodo]  # every org with an item, in tree order

    @cached_property
    def items(self) -> list[Item]:
        return [i for o in self.orgs for i in o.items]

    @property
    def done(self) -> int:
        return sum(o.done for o in self.orgs)

    @property
    def total(self) -> int:
        return sum(o.total for o in self.orgs)

    @property
    def pending(self) -> int:
        """This period's requirements still running (not met, not yet due)."""
        return sum(o.due for o in self.orgs)

    @property
    def overdue(self) -> int:
        return sum(o.overdue for o in self.orgs)

    @property
    def at_risk(self) -> int:
        return sum(o.at_risk for o in self.orgs)

    @cached_property
    def open_items(self) -> list[Item]:
        """What is left to do: overdue first, then by deadline, then in tree order."""
        items = [i for i in self.items if i.state in (OVERDUE, DUE)]
        return sorted(items, key=lambda i: (STATE_ORDER[i.state], i.due_on, i.org.path))

    @property
    def overdue_items(self) -> list[Item]:
        return [i for i in self.open_items if i.state == OVERDUE]

    @property
    def due_items(self) -> list[Item]:
        return [i for i in self.open_items if i.state == DUE]

    @cached_property
    def settled_items(self) -> list[Item]:
        """This period's requirements already met or excused."""
        return [i for i in self.items if i.state in (DONE, EXEMPT)]

    @property
    def several_orgs(self) -> bool:
        return len(self.orgs) > 1

    @cached_property
    def summary(self) -> str:
        """E.g. "本期 3 / 10 项已完成，7 项进行中，1 项已逾期"."""
        return summary_text(self.done, self.total, self.pending, self.overdue)

    def attention(self) -> list[OrgTodo]:
        """Orgs behind (an overdue item) or at risk, worst first."""
        return sorted((o for o in self.orgs if o.attention), key=lambda o: o.worst_key)

    def by_unit(self, names: dict[str, tuple[int, str]]) -> list[UnitTodo]:
        """The orgs grouped by their unit-level org (`names`: path → (id, name)), worst first."""
        units: dict[str, UnitTodo] = {}
        for o in self.orgs:
            path = o.org.path[:UNIT_PATH_LEN]
            unit = units.get(path)
            if unit is None:
                pk, name = names.get(path, (None, "直属组织"))
                unit = units[path] = UnitTodo(pk, name, path)
            unit.add(o)
        return sorted(units.values(), key=lambda u: u.worst_key)


# --- computing it ---------------------------------------------------------------------------


class RecordLinks:
    """The record form's URL reversed once per computation, not once per item."""

    def __init__(self) -> None:
        try:
            self.base = reverse("activities:activity_add")
        except NoReverseMatch:  # the activities pages are not wired
            self.base = ""

    def __call__(self, user: Any, item: Item) -> str:
        if not self.base or item.state not in (DUE, OVERDUE):
            return ""
        if not holds(user, RECORD_PERM, item.org.path):  # no query: grants are loaded once
            return ""
        params = {
            "kind": item.activity_kind,
            "org": item.org.id,
            "held_on": item.record_day.isoformat(),
        }
        return f"{self.base}?{urlencode(params)}"


def state_of(cell: Cell, today: dt.date) -> str | None:
    """The item state of a judged cell, or None when the cell is not a 待办 item."""
    status = cell.status
    if cell.period.contains(today):
        if status == Status.COMPLIANT:
            return DONE
        if status == Status.NOT_DUE:
            return DUE
        if status == Status.EXEMPT:
            return EXEMPT
        if status == Status.NONCOMPLIANT:
            return OVERDUE  # a fixed day that has passed
        return None
    if status == Status.NONCOMPLIANT and cell.period.index == previous_index(
        cell.period.kind, today
    ):
        return OVERDUE
    return None


def compute(
    user: Any,
    today: dt.date,
    *,
    within: Organization | None = None,
    rules: Iterable[Rule] | None = None,
    org_url: str = "",
    record_links: bool = True,
    parts: list[tuple[str, bool]] | None = None,
) -> Todo:
    """The 待办 of every org in `user`'s scope (limited to `within`'s subtree): one evaluation.

    `org_url`: the base URL of an org's 待办 page (`?org=<id>` is appended), when shown;
    `record_links`: fill in each open item's record button (a branch's page; the lists of
    many orgs link to each org's page instead); `parts`: only these pieces of the scope
    (`rules.rollup.parts_of`).
    """
    evaluation = evaluate(
        user, today.year, within=within, rules=rules, today=today, around=today, parts=parts
    )
    rule_by_id = {r.id: r for r in evaluation.rules}
    links = RecordLinks() if record_links else None
    by_org: dict[int, OrgTodo] = {}
    NA = Status.NOT_APPLICABLE
    for cell in evaluation.cells:
        if cell.status == NA:
            continue
        state = state_of(cell, today)
        if state is None:
            continue
        entry = by_org.get(cell.org_id)
        if entry is None:
            org = evaluation.orgs[cell.org_id]
            entry = by_org[cell.org_id] = OrgTodo(org)
            if org_url:
                entry.url = f"{org_url}?org={org.id}"
        period = cell.period
        due_on = cell.due_on or period.end
        item = Item(
            entry.org,
            rule_by_id[cell.rule_id],
            cell,
            state,
            today,
            due_on,
            period.start <= today <= period.end,
            state == DUE and (due_on - today).days <= RISK_DAYS[period.kind],
        )
        if links is not None:
            item.record_url = links(user, item)
        entry.items.append(item)
    for entry in by_org.values():
        entry.tally()
    orgs = sorted(by_org.values(), key=lambda o: o.org.path)
    return Todo(today, evaluation, orgs)


def name_orgs(todo: Todo, root: Organization | None) -> None:
    """Fill in each org's parent and unit names — one query for all of them."""
    step = Organization.steplen
    wanted: set[str] = set()
    for o in todo.orgs:
        path = o.org.path
        if len(path) > step:
            wanted.add(path[:-step])
        if len(path) > UNIT_PATH_LEN:
            wanted.add(path[:UNIT_PATH_LEN])
    known = {o.org.path: o.org.name for o in todo.orgs}
    missing = sorted(wanted - known.keys())
    if missing:
        known.update(Organization.objects.filter(path__in=missing).values_list("path", "name"))
    for o in todo.orgs:
        path = o.org.path
        o.parent_name = known.get(path[:-step], "") if len(path) > step else ""
        o.unit_name = known.get(path[:UNIT_PATH_LEN], "") if len(path) > UNIT_PATH_LEN else ""


def unit_names(user: Any, within: Organization | None = None) -> dict[str, tuple[int, str]]:
    """{path: (id, name)} of the unit-level orgs the user may see — one query."""
    qs = Organization.objects.restrict(user, "view").filter(depth=2)
    if within is not None:
        qs = qs.within(within)
    return {path: (pk, name) for path, pk, name in qs.values_list("path", "pk", "name")}


# --- upcoming deadlines -----------------------------------------------------------------------

PROBATION_AHEAD_DAYS = 90


@dataclass
class Deadline:
    kind: str  # "term" | "probation" | "birthday" | "recruitment"
    label: str  # 换届 / 预备期满 / 政治生日
    title: str
    on: dt.date | None
    org_name: str
    url_name: str
    pk: int
    tone: str = ""  # a Tabler colour for the date: red when overdue

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name, args=[self.pk])
        except NoReverseMatch:
            return ""


TERM_ATTENTION = (
    termrules.TermStatus.OVERDUE,
    termrules.TermStatus.DUE_3,
    termrules.TermStatus.DUE_6,
    termrules.TermStatus.NO_DATA,
)


def upcoming(user: Any, today: dt.date, within: Organization | None = None) -> list[Deadline]:
    """换届 due within six months (or overdue, or without a term), probation ending within
    `PROBATION_AHEAD_DAYS`, this month's political birthdays and the 发展党员 items due
    (recruitment.deadlines) — four queries, by date."""
    out: list[Deadline] = []
    terms = (
        sweep.sweep_queryset(user, today, within)
        .filter(sweep_status__in=TERM_ATTENTION)
        .values("pk", "name", "term_due_on", "sweep_status")
    )
    labels = termrules.TermStatus.LABELS
    for t in terms:
        status, due = t["sweep_status"], t["term_due_on"]
        if status == termrules.TermStatus.NO_DATA:
            title = "缺少届次信息，请补录本届选举日期"
        elif status == termrules.TermStatus.OVERDUE:
            title = f"换届已超期 {(today - due).days} 天"
        else:
            title = f"{labels[status]}，应于{due:%Y年%m月%d日}前换届"
        out.append(
            Deadline(
                "term",
                "换届",
                title,
                due,
                t["name"],
                "orgs:organization_detail",
                t["pk"],
                "red" if status == termrules.TermStatus.OVERDUE else "",
            )
        )
    ending, overdue = deadlines.probation_due(user, today, within, days=PROBATION_AHEAD_DAYS)
    out.extend(
        Deadline(
            "probation",
            "预备期满",
            f"{m.name}预备期已满 {(today - m.on).days} 天，尚未办理转正",
            m.on,
            m.org_name,
            "members:member_detail",
            m.member_id,
            "red",
        )
        for m in overdue
    )
    out.extend(
        Deadline(
            "probation",
            "预备期满",
            f"{m.name}预备期满，请按期讨论转正",
            m.on,
            m.org_name,
            "members:member_detail",
            m.member_id,
        )
        for m in ending
    )
    out.extend(
        Deadline(
            "birthday",
            "政治生日",
            f"{m.name}入党 {m.party_years} 周年",
            m.on,
            m.org_name,
            "members:member_detail",
            m.member_id,
        )
        for m in deadlines.birthdays_in_month(user, today.year, today.month, within)
    )
    # 发展党员: talk, half-year review, training, approvals (one query, recruitment.deadlines).
    out.extend(
        Deadline(
            "recruitment",
            f"发展党员·{i.label}",
            i.title(today),
            i.on,
            i.org_name,
            "recruitment:applicant_detail",
            i.applicant_id,
            "red" if i.overdue else "",
        )
        for i in recruitment_deadlines.due(user, today, within)
    )
    out.sort(key=lambda d: d.on or dt.date.min)  # no term data first: it blocks the check
    return out


# --- the 工委's 待办 from roll-ups ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """The 待办 of many orgs summed up: what the 工委's page shows of them (no items)."""

    orgs: int = 0  # orgs with a requirement this period or an open item
    attention: int = 0  # orgs behind or at risk
    behind: int = 0
    at_risk: int = 0  # orgs not behind with an item at risk
    done: int = 0
    total: int = 0
    pending: int = 0  # items still running
    overdue: int = 0  # items overdue

    @classmethod
    def of(cls, orgs: Iterable[OrgTodo]) -> Progress:
        n = attention = behind = at_risk = done = total = pending = overdue = 0
        for o in orgs:
            n += 1
            attention += o.attention
            behind += bool(o.overdue)
            at_risk += bool(not o.overdue and o.at_risk)
            done, total = done + o.done, total + o.total
            pending, overdue = pending + o.due, overdue + o.overdue
        return cls(n, attention, behind, at_risk, done, total, pending, overdue)

    def __add__(self, other: Progress) -> Progress:
        return Progress(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.orgs,
            self.attention,
            self.behind,
            self.at_risk,
            self.done,
            self.total,
            self.pending,
            self.overdue,
        )

    @property
    def summary(self) -> str:
        return summary_text(self.done, self.total, self.pending, self.overdue)


def unit_progress(
    user: Any,
    today: dt.date,
    root: Organization,
    children: list[Organization],
    *,
    rules: Iterable[Rule] | None = None,
) -> tuple[Progress, list[UnitTodo]]:
    """The 工委's 待办 (`root`, a tree root): the whole and one row per child (a unit's
    subtree; the root's own requirements as 直属组织), each part kept in the compliance
    roll-ups' cache under the same tokens (decisions/0013), so a view judges only the units
    written since the last one — not the city. `children` come from
    `rollup.with_tokens` (no query for the tokens). Each part's figures are those
    `compute(...).by_unit` gives (a test compares them)."""
    chosen = [r for r in (enabled_rules() if rules is None else rules) if r.kind == FREQUENCY]
    parts = rollup.parts_of(root, children)
    keys = rollup.part_keys(user, today.year, root, chosen, parts, children, today)
    cache = caches[rollup.CACHE]
    found = cache.get_many([f"{k}:todo" for k in keys.values()]) if chosen else {}
    progress = {p: Progress(*found[f"{keys[p]}:todo"]) for p in parts if f"{keys[p]}:todo" in found}
    missing = [p for p in parts if p not in progress]
    if missing:
        todo = compute(
            user,
            today,
            within=root,
            rules=chosen,
            record_links=False,
            # Most of the parts missing (a first view): the whole subtree reads faster.
            parts=None if 2 * len(missing) > len(parts) else missing,
        )
        by_part: dict[tuple[str, bool], list[OrgTodo]] = {p: [] for p in missing}
        for o in todo.orgs:
            path = o.org.path
            part = (path, True) if path == root.path else (path[:UNIT_PATH_LEN], False)
            if part in by_part:
                by_part[part].append(o)
        fresh = {p: Progress.of(orgs) for p, orgs in by_part.items()}
        progress.update(fresh)
        if chosen:
            cache.set_many(
                {f"{keys[p]}:todo": v.as_tuple() for p, v in fresh.items()}, rollup.TIMEOUT
            )
    names = {c.path: (c.pk, c.name) for c in children}
    units = []
    for path, own in parts:
        p = progress[(path, own)]
        if not p.orgs:
            continue
        pk, name = (None, "直属组织") if own else names[path]
        units.append(UnitTodo(pk, name, path, "", p.orgs, p.behind, p.at_risk, p.done, p.total))
    units.sort(key=lambda u: u.worst_key)
    whole = sum((progress[p] for p in parts), Progress())
    return whole, units
