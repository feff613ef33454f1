"""The 待办 of each role: `rules.todo` (rules, deadlines) plus what assessments owns (整改, 督查).

Who sees what follows the user's scope for `rules.view_compliance`, or the org picked with
`?org=` inside it:
- **branch** (a 党支部 or 党小组 — a secretary, an 组织委员): every requirement of this
  period with a record button, upcoming deadlines, the open 整改 of the branch;
- **unit** (a unit's party committee or 总支): the orgs of every level below that are
  behind or at risk, worst first, each a link to its own 待办; exportable to xlsx;
- **committee** (the 工委 root): the same summed up per unit, the running 督查活动 and the
  整改 coming due across the city.
Every list comes from one evaluation and a fixed number of queries (never one per org).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from dangjian.assessments.models import (
    UNANSWERED_STATUSES,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    Rectification,
    overdue_q,
)
from dangjian.core.excel import writer
from dangjian.core.excel.exporter import download
from dangjian.core.scoping import has_any_scope, holds
from dangjian.dues import alerts as dues_alerts
from dangjian.orgs.models import Organization
from dangjian.rules import rollup
from dangjian.rules import todo as rules_todo
from dangjian.rules.evaluator import VIEW_PERM
from dangjian.rules.views import scope_roots

from .context_processors import safe_reverse

BRANCH, UNIT, COMMITTEE = "branch", "unit", "committee"
RECTIFICATION_AHEAD_DAYS = 30  # 整改 whose deadline is this close count as coming due
LIST_LIMIT = 20  # rows of a long list on the page (the board or the export has them all)


def level_of(user: Any, focus: Organization | None) -> tuple[str, Organization | None]:
    """The page's level and the org it is about (None: the user's whole scope)."""
    return _level(user, focus)[:2]


def _level(
    user: Any, focus: Organization | None
) -> tuple[str, Organization | None, Organization | None]:
    """`level_of`, and the tree root when the page is about one whole tree (the 工委's)."""
    if focus is not None:
        if focus.kind in rules_todo.BRANCH_LEVEL:
            return BRANCH, focus, None
        if focus.depth == 1:
            return COMMITTEE, focus, focus
        return UNIT, focus, None
    roots = scope_roots(user)  # one query: the top org of each subtree in scope
    if not roots:
        return "", None, None
    top = min(roots, key=lambda o: o.depth)
    if top.depth == 1:
        return COMMITTEE, None, (top if len(roots) == 1 else None)
    if all(r.kind in rules_todo.BRANCH_LEVEL for r in roots):
        return BRANCH, (roots[0] if len(roots) == 1 else None), None
    return UNIT, (top if len(roots) == 1 else None), None


@dataclass
class RectificationDue:
    """整改 still with the org (待整改 / 退回), overdue first, then by deadline."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    board_url: str | None = None


_PLACEHOLDER = 987654321


def detail_links(name: str):
    """pk → the detail URL of `name` (reversed once), or "" while that page is not wired."""
    url = safe_reverse(name, _PLACEHOLDER)
    if url is None:
        return lambda pk: ""
    return lambda pk: url.replace(str(_PLACEHOLDER), str(pk))


def rectifications(
    user: Any, today: dt.date, within: Organization | None, *, ahead: int | None = None
) -> RectificationDue | None:
    """Open 整改 in scope (`ahead`: only those due within that many days) — two queries."""
    if not has_any_scope(user, Rectification, "view"):
        return None
    qs = Rectification.objects.restrict(user, "view").filter(status__in=UNANSWERED_STATUSES)
    if within is not None:
        qs = qs.within(within)
    if ahead is not None:
        qs = qs.filter(deadline__lte=today + dt.timedelta(days=ahead))
    counts = qs.order_by().aggregate(
        total=Count("pk"), overdue=Count("pk", filter=overdue_q(today))
    )
    rows = list(
        qs.with_overdue()
        .select_related("finding", "org")
        .only("pk", "deadline", "status", "finding__text", "org__name")
        .order_by("-is_overdue", "deadline", "pk")[:LIST_LIMIT]
    )
    link = detail_links("assessments:rectification_detail")
    for r in rows:
        r.link = link(r.pk)
    return RectificationDue(rows, counts["total"], counts["overdue"], safe_reverse(BOARD))


BOARD = "assessments:rectification_board"


def dues_items(user: Any, today: dt.date, within: Organization | None) -> list[Any]:
    """党费: members of the branch unpaid for 3 months or more (one query, dues.alerts);
    6 months without a recorded reason in red (党章 第九条: the branch decides); bases a pay
    change has left behind (two queries)."""
    if not holds(user, "dues.view_duesdue"):
        return []
    return [
        rules_todo.Deadline(
            kind="dues",
            label="党费",
            title=f"{r.name}已连续{r.months}个月未交党费"
            + ("，未登记原因（党章第九条）" if r.lapse else ""),
            on=None,
            org_name=r.org_name,
            url_name="dues:member_ledger",
            pk=r.member_id,
            tone="red" if r.lapse else "",
        )
        for r in dues_alerts.unpaid_runs(user, today, within)[:LIST_LIMIT]
    ] + [
        rules_todo.Deadline(
            kind="dues",
            label="党费",
            title=f"{s.name}的党费基数可能需要调整：{s.reason}",
            on=None,
            org_name=s.org_name,
            url_name="dues:member_ledger",
            pk=s.member_id,
        )
        for s in dues_alerts.stale_bases(user, today, within)[:LIST_LIMIT]
    ]


def running_campaigns(user: Any, within: Organization | None) -> list[Any]:
    """督查活动 in progress that the user's side runs, with their progress — one query."""
    if not has_any_scope(user, Campaign, "view"):
        return []
    qs = Campaign.objects.restrict(user, "view").filter(status=CampaignStatus.ACTIVE)
    if within is not None:
        qs = qs.within(within)
    rows = list(
        qs.annotate(
            targets=Count("assessments"),
            checked=Count("assessments", filter=Q(assessments__status=AssessmentStatus.DONE)),
        )
        .only("pk", "name", "period_start", "period_end", "status")
        .order_by("period_end", "pk")[:LIST_LIMIT]
    )
    link = detail_links("assessments:campaign_detail")
    for c in rows:
        c.link = link(c.pk)
    return rows


@dataclass
class TodoPage:
    level: str
    focus: Organization | None
    today: dt.date
    # The 工委's page: the whole summed up from the roll-ups (`rules_todo.Progress`).
    todo: rules_todo.Todo | rules_todo.Progress | None = None
    attention: list[rules_todo.OrgTodo] = field(default_factory=list)
    units: list[rules_todo.UnitTodo] = field(default_factory=list)
    deadlines: list[rules_todo.Deadline] = field(default_factory=list)
    rectifications: RectificationDue | None = None
    campaigns: list[Any] = field(default_factory=list)

    @property
    def attention_count(self) -> int:
        if isinstance(self.todo, rules_todo.Progress):
            return self.todo.attention
        return len(self.attention)

    @property
    def org_count(self) -> int:
        if isinstance(self.todo, rules_todo.Progress):
            return self.todo.orgs
        return len(self.todo.orgs) if self.todo else 0

    @property
    def on_track(self) -> int:
        """Orgs with requirements this period that are neither behind nor at risk."""
        return self.org_count - len(self.attention)


def build(
    user: Any, today: dt.date, focus: Organization | None = None, *, every_org: bool = False
) -> TodoPage:
    """The 待办 of `user` (or of `focus`, an org in their scope) on `today`.

    The 工委's page sums up each unit from the roll-ups (`rules_todo.unit_progress`) unless
    `every_org` (the export lists every org with its items)."""
    level, within, root = _level(user, focus)
    page = TodoPage(level, within, today)
    if not level:
        return page
    org_url = safe_reverse("web:todo") or ""
    if root is not None and not every_org:
        # The root and its children with their roll-up tokens, in one query.
        top, *children = rollup.with_tokens(
            Organization.objects.holding(user, VIEW_PERM)
            .filter(path__startswith=root.path, depth__lte=root.depth + 1)
            .order_by("path")
        )
        assert top.pk == root.pk  # the root came from the user's scope: it is held
        page.todo, page.units = rules_todo.unit_progress(user, today, top, children)
        for unit in page.units:
            if unit.org_id is not None and org_url:
                unit.url = f"{org_url}?org={unit.org_id}"
        page.campaigns = running_campaigns(user, within)
        page.rectifications = rectifications(user, today, within, ahead=RECTIFICATION_AHEAD_DAYS)
        return page
    page.todo = rules_todo.compute(
        user, today, within=within, org_url=org_url, record_links=level == BRANCH
    )
    if level == BRANCH:
        page.deadlines = rules_todo.upcoming(user, today, within) + dues_items(user, today, within)
        page.rectifications = rectifications(user, today, within)
        return page
    page.attention = page.todo.attention()
    if level == UNIT:
        rules_todo.name_orgs(page.todo, within)
    else:
        page.units = page.todo.by_unit(rules_todo.unit_names(user, within))
        for unit in page.units:
            if unit.org_id is not None and org_url:
                unit.url = f"{org_url}?org={unit.org_id}"
        page.campaigns = running_campaigns(user, within)
    page.rectifications = rectifications(user, today, within, ahead=RECTIFICATION_AHEAD_DAYS)
    return page


# --- the xlsx of the orgs behind or at risk ---------------------------------------------------

HEADERS = [
    "党组织",
    "上级组织",
    "所属单位",
    "组织类别",
    "本期已完成",
    "本期应完成",
    "已逾期",
    "临近截止",
    "待完成事项",
]


def _open_items(org: rules_todo.OrgTodo) -> str:
    return "；".join(
        f"{i.rule.title}（{i.period.label}，{i.state_label}，截止{i.due_on:%Y-%m-%d}）"
        for i in org.open_items
    )


def workbook(page: TodoPage) -> tuple[Any, int]:
    """落后或有风险的组织 (every level, worst first), 全部组织 and 说明 sheets (a page built
    with `every_org`)."""
    assert isinstance(page.todo, rules_todo.Todo)
    if page.level == COMMITTEE:
        rules_todo.name_orgs(page.todo, page.focus)
    wb = writer.new_workbook(write_only=True)
    widths = [36, 30, 30, 10, 10, 10, 8, 8, 80]
    everyone = sorted(page.todo.orgs, key=lambda o: o.worst_key)
    for title, orgs in (("落后或有风险的组织", page.attention), ("全部组织", everyone)):
        ws = writer.sheet(wb, title, headers=HEADERS, widths=widths)
        for o in orgs:
            writer.append(
                ws,
                [
                    o.org.name,
                    o.parent_name,
                    o.unit_name,
                    o.kind_label,
                    o.done,
                    o.total,
                    o.overdue,
                    o.at_risk,
                    _open_items(o),
                ],
            )
    note = writer.sheet(wb, "说明")
    scope = page.focus.name if page.focus else "管辖范围内全部组织"
    writer.append(note, [f"待办：{scope}，统计日期 {page.today:%Y-%m-%d}"])
    writer.append(
        note,
        [
            "本期：按月、季度、年度检查的规则各自的当前期间；已逾期：本期已过截止日或上一期未完成；"
            "临近截止：月度规则 10 天内、季度规则 30 天内、年度规则 92 天内到期而尚未完成。"
        ],
    )
    return wb, len(page.todo.orgs)


def xlsx_download(user: Any, page: TodoPage):
    """The orgs behind or at risk as a download, through the one writer; audited."""
    wb, count = workbook(page)
    name = (page.focus.short_name or page.focus.name)[:40] if page.focus else "全部"
    return download(
        user,
        wb,
        model="rules.todo",
        rows=count,
        filters={"org": page.focus.pk if page.focus else None, "date": page.today.isoformat()},
        filename=f"待办_{name}_{page.today:%Y%m%d}.xlsx",
    )
