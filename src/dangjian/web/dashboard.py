"""The figures of the 工作台 home page, by what the user's role acts on.

The page's main section is the user's 待办 (`web.todo`). Beside it, figures each scoped
by `restrict` and linked to their records, only those that mean something at the user's
level — a branch secretary is not shown the number of unit party organisations (always
0 for her) nor a closure rate of rectifications she does not verify:
- **committee** (the 工委) and **unit**: organisations, members, 换届, 整改; the per-year
  figures (organisations at the year's end, findings, closure rate) follow the year switch;
- **branch**: her members, and the meetings recorded in the chosen year; 换届 and 整改 are
  in her 待办 as deadlines and open items;
- a **party member** (no roster, no recording): links to his own things (`/me/`).
Every section is one aggregate query whatever the number of rows, shown only to users who
may view the records behind it (DESIGN §1 principle 3: every figure is traceable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q

from dangjian.activities.models import Activity
from dangjian.assessments.models import (
    UNANSWERED_STATUSES,
    Rectification,
    RectificationStatus,
    overdue_q,
)
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import has_any_scope
from dangjian.members.models import Category, Member, MembershipState, MemberStatus
from dangjian.orgs import termrules
from dangjian.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind, OrgStatus, Term

from .context_processors import safe_reverse
from .todo import BRANCH, COMMITTEE, UNIT

# Drill-down lists of orgs show the ones in operation, as the counts do.
ACTIVE = ("status", OrgStatus.ACTIVE)


@dataclass
class Stat:
    label: str
    value: Any
    unit: str = ""
    url: str | None = None
    hint: str = ""
    tone: str = ""  # a Tabler colour name for the number, e.g. "red"


@dataclass
class Section:
    title: str
    stats: list[Stat] = field(default_factory=list)
    chart: dict | None = None  # an ECharts option (data only)


def link(name: str, params: Sequence[tuple[str, str]] | None = None) -> str | None:
    """URL of list page `name` filtered by `params`, or None while that page is not wired."""
    url = safe_reverse(name)
    if url is None:
        return None
    return f"{url}?{urlencode(params)}" if params else url


def metric_stat(metric_id: str, scope: MetricScope, url: str | None) -> Stat | None:
    try:
        m = registry.get(metric_id)
    except LookupError:
        return None
    return Stat(str(m.label), m.value(scope), str(m.unit), url, hint=f"{scope.year} 年度口径")


def org_section(user: Any, year: int, level: str) -> Section | None:
    """Orgs at the end of `year`: the unit count only for the 工委 (a unit admin has one)."""
    if not has_any_scope(user, Organization, "view"):
        return None
    scope = MetricScope(user, year)
    stats = [
        metric_stat(
            "orgs.unit_party_count",
            scope,
            link("orgs:organization_list", [("kind", OrgKind.UNIT_PARTY), ACTIVE]),
        )
        if level == COMMITTEE
        else None,
        metric_stat(
            "orgs.grassroots_count",
            scope,
            link("orgs:organization_list", [*(("kind", k) for k in GRASSROOTS_KINDS), ACTIVE]),
        ),
    ]
    return Section("党组织", [s for s in stats if s is not None])


def member_section(user: Any, *, chart: bool = True) -> Section | None:
    if not has_any_scope(user, Member, "view"):
        return None
    on_roll = [("membership", MembershipState.NORMAL)]
    qs = Member.objects.restrict(user, "view").filter(membership=MembershipState.NORMAL)
    rows = list(
        qs.order_by()
        .values("category")
        .annotate(
            n=Count("pk"), probationary=Count("pk", filter=Q(status=MemberStatus.PROBATIONARY))
        )
    )
    by_category = {row["category"]: row["n"] for row in rows}
    totals = {
        "total": sum(by_category.values()),
        "probationary": sum(r["probationary"] for r in rows),
    }
    stats = [
        Stat("党员数", totals["total"], "名", link("members:member_list", on_roll), hint="在册"),
        Stat(
            "预备党员数",
            totals["probationary"],
            "名",
            link("members:member_list", [*on_roll, ("status", MemberStatus.PROBATIONARY)]),
        ),
    ]
    data = [
        {
            "name": str(label),
            "value": by_category.get(code, 0),
            "url": link("members:member_list", [*on_roll, ("category", code)]),
        }
        for code, label in Category.choices
        if by_category.get(code)
    ]
    option = {
        "title": {"text": "党员人员类别", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 名（{d}%）"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["40%", "65%"], "data": data}],
    }
    return Section("党员", stats, option if data and chart else None)


def activity_section(user: Any, year: int) -> Section | None:
    """The meetings a branch recorded in `year` (held ones: a notice is not a meeting)."""
    if not has_any_scope(user, Activity, "view"):
        return None
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    held = (
        Activity.objects.restrict(user, "view")
        .filter(held_on__range=(start, end))
        .order_by()
        .aggregate(n=Count("pk"))["n"]
    )
    url = link("activities:activity_list", [("year", str(year))])
    return Section(
        "组织生活", [Stat("组织生活记录", held, "次", url, hint=f"{year} 年已召开并记录")]
    )


TERM_ORDER = (
    termrules.TermStatus.OVERDUE,
    termrules.TermStatus.DUE_3,
    termrules.TermStatus.DUE_6,
    termrules.TermStatus.NORMAL,
    termrules.TermStatus.NO_DATA,
)
TERM_TONES = {
    termrules.TermStatus.OVERDUE: "red",
    termrules.TermStatus.DUE_3: "orange",
    termrules.TermStatus.DUE_6: "yellow",
    termrules.TermStatus.NORMAL: "green",
    termrules.TermStatus.NO_DATA: "secondary",
}
TERM_COLORS = {
    termrules.TermStatus.OVERDUE: "#d63939",
    termrules.TermStatus.DUE_3: "#f76707",
    termrules.TermStatus.DUE_6: "#f59f00",
    termrules.TermStatus.NORMAL: "#2fb344",
    termrules.TermStatus.NO_DATA: "#9ba9be",
}


def term_section(user: Any, today: dt.date) -> Section | None:
    """Renewal status of the current term of every elected org in scope (one GROUP BY)."""
    if not (has_any_scope(user, Organization, "view") and has_any_scope(user, Term, "view")):
        return None
    rows = (
        Organization.objects.restrict(user, "view")
        .filter(kind__in=termrules.term_kinds(), status=OrgStatus.ACTIVE)
        .with_term_status(today)
        .order_by()
        .values("term_status")
        .annotate(n=Count("pk"))
    )
    counts = {row["term_status"]: row["n"] for row in rows}
    labels = termrules.TermStatus.LABELS

    def url(status: str) -> str | None:
        return link("orgs:organization_list", [("term_status", status), ACTIVE])

    stats = [
        Stat(
            f"换届{labels[s]}" if s != termrules.TermStatus.NO_DATA else labels[s],
            counts.get(s, 0),
            "个",
            url(s),
            tone=TERM_TONES[s] if counts.get(s) else "",
        )
        for s in TERM_ORDER
        if s != termrules.TermStatus.NORMAL
    ]
    data = [
        {
            "name": labels[s],
            "value": counts.get(s, 0),
            "url": url(s),
            "itemStyle": {"color": TERM_COLORS[s]},
        }
        for s in TERM_ORDER
    ]
    chart = {
        "title": {"text": "届次状态分布", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 40, "right": 16, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": [labels[s] for s in TERM_ORDER]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "name": "组织数", "barMaxWidth": 48, "data": data}],
    }
    return Section("换届", stats, chart if any(counts.values()) else None)


def rectification_section(user: Any, today: dt.date, year: int) -> Section | None:
    """整改: what waits for the org (待整改 / 退回), for the verifier (已提交), and what is
    overdue — one aggregate query; the chosen year's 销号率 comes from its metric."""
    if not has_any_scope(user, Rectification, "view"):
        return None
    counts = (
        Rectification.objects.restrict(user, "view")
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=Q(status__in=UNANSWERED_STATUSES)),
            submitted=Count("pk", filter=Q(status=RectificationStatus.SUBMITTED)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
    )
    board = "assessments:rectification_board"
    stats = [
        Stat("待整改（含退回）", counts["waiting"], "项", link(board)),
        Stat(
            "已提交待销号",
            counts["submitted"],
            "项",
            link(board, [("status", RectificationStatus.SUBMITTED)]),
        ),
        Stat(
            "逾期未整改",
            counts["overdue"],
            "项",
            link(board, [("overdue", "true")]),
            tone="red" if counts["overdue"] else "",
        ),
    ]
    rate = metric_stat(
        "supervision.rectification_closure_rate", MetricScope(user, year), link(board)
    )
    if rate is not None:
        if rate.value is None:  # nothing due that year: no rate, not 0 %
            rate.value, rate.unit = "—", ""
            rate.hint = f"{year} 年没有到期的整改"
        stats.append(rate)
    return Section("整改", stats)


def home_sections(user: Any, today: dt.date, year: int, level: str) -> list[Section]:
    """The figures for `level` (see the module docstring); `year` for the per-year ones."""
    sections: tuple[Section | None, ...]
    if level == BRANCH:
        sections = (member_section(user, chart=False), activity_section(user, year))
    elif level in (UNIT, COMMITTEE):
        sections = (
            org_section(user, year, level),
            member_section(user),
            term_section(user, today),
            rectification_section(user, today, year),
        )
    else:
        sections = ()
    return [s for s in sections if s is not None and s.stats]
