"""The compliance heatmap: orgs × months for a subtree and a year, from one evaluation.

Two layouts of the same evaluation:
- **by child** (`build_rows`): the root's own cells and one row per direct child holding
  the cells of the child's whole subtree — the 工委's city view, one row per unit, a click
  on a unit opening its own map;
- **every level** (`build_all_rows`): one row per org of the subtree with its own cells —
  what a unit admin sees, so a 党小组 three levels down is not hidden inside its unit.
Rows come worst first (lowest yearly rate, then most shortfalls) or in tree order.

A cell is the share of judged (org, rule, period) results that are compliant among those
whose period ends in that month (a quarterly rule is judged in the quarter's last month, a
yearly rule in December). Exempt, not-due and not-applicable results are left out of the
share and shown beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dangjian.orgs.models import Organization, OrgKind

from .evaluator import Evaluation, Status
from .rollup import Rollup

MONTH_LABELS = [f"{m}月" for m in range(1, 13)]
IN_PROGRESS_VALUE = -1  # the chart's value for a month still in progress (HeatCell.in_progress)
SORTS = {"worst": "最差在前", "tree": "按组织层级"}
LEVELS = {"children": "按下级汇总", "all": "全部层级"}
# Pixels of the chart's label column: the sticky month header (HTML) above the canvas uses
# the same width, so its twelve columns sit exactly over the chart's twelve.
LABEL_WIDTH = 220
GRID_RIGHT = 8
ROW_HEIGHT = 28


@dataclass
class HeatCell:
    month: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Status.ALL, 0))
    url: str = ""

    @property
    def judged(self) -> int:
        return self.counts[Status.COMPLIANT] + self.counts[Status.NONCOMPLIANT]

    @property
    def share(self) -> float | None:
        return self.counts[Status.COMPLIANT] / self.judged if self.judged else None

    @property
    def in_progress(self) -> bool:
        """A month column holding periods still running (not yet due): shown as progress,
        done of due, never as a rate — a rate over the few already met would read 100 %."""
        return self.month > 0 and self.counts[Status.NOT_DUE] > 0

    @property
    def due(self) -> int:
        """Everything the column asks for (met, missed, still running); exemptions aside."""
        return self.judged + self.counts[Status.NOT_DUE]

    @property
    def percent(self) -> int | None:
        share = None if self.in_progress else self.share
        return None if share is None else round(share * 100)

    @property
    def css(self) -> str:
        if self.in_progress:
            return "bg-azure-lt"
        share = self.share
        if share is None:
            return "bg-secondary-lt" if self.counts[Status.EXEMPT] else ""
        if share >= 0.9:
            return "bg-green-lt"
        return "bg-yellow-lt" if share >= 0.6 else "bg-red-lt"

    @property
    def text(self) -> str:
        """What the cell says: done of due while running, the rate, or 豁免."""
        if self.in_progress:
            return f"{self.counts[Status.COMPLIANT]}/{self.due}"
        percent = self.percent
        if percent is not None:
            return f"{percent}%"
        if self.counts[Status.EXEMPT]:
            return "豁免"
        return "…" if self.counts[Status.NOT_DUE] else ""

    @property
    def title(self) -> str:
        c = self.counts
        if self.in_progress:
            missed = f"，{c[Status.NONCOMPLIANT]} 项已逾期" if c[Status.NONCOMPLIANT] else ""
            exempt = f"，{c[Status.EXEMPT]} 项豁免" if c[Status.EXEMPT] else ""
            return (
                f"进行中：{c[Status.COMPLIANT]} / {self.due} 已完成，"
                f"{c[Status.NOT_DUE]} 项进行中{missed}{exempt}"
            )
        return (
            f"达标 {c[Status.COMPLIANT]} · 未达标 {c[Status.NONCOMPLIANT]} · "
            f"豁免 {c[Status.EXEMPT]} · 未到期 {c[Status.NOT_DUE]}"
        )


@dataclass
class HeatRow:
    org_id: int
    name: str
    path: str
    kind: str
    own: bool  # the org's own cells (True) or its whole subtree's (False)
    cells: list[HeatCell]
    parent_name: str = ""
    url: str = ""  # the row's drill-down: the heatmap of this org's subtree
    behind_url: str = ""  # the list of orgs behind, for the row's 未达标 count
    label: str = ""  # the chart's axis label

    @property
    def pk(self) -> int:
        return self.org_id

    @property
    def depth(self) -> int:
        return len(self.path) // Organization.steplen

    @cached_property
    def total(self) -> HeatCell:
        total = HeatCell(0)
        for cell in self.cells:
            for status, n in cell.counts.items():
                total.counts[status] += n
        return total

    @property
    def noncompliant(self) -> int:
        return self.total.counts[Status.NONCOMPLIANT]

    @property
    def has_results(self) -> bool:
        return any(sum(c.counts.values()) for c in self.cells)

    @property
    def table_cells(self) -> SafeString:
        return table_cells(self)


def cell_url(
    org_id: int,
    year: int,
    month: int,
    rule_id: str | None,
    own: bool = False,
    base: str | None = None,
) -> str:
    """The drill-down of one cell; `base` is the cell page's path, reversed once per page."""
    params: dict[str, str | int] = {"org": org_id, "year": year, "month": month}
    if rule_id:
        params["rule"] = rule_id
    if own:
        params["only"] = 1  # the org's own results, not its subtree's
    return f"{base or reverse('rules:compliance_cell')}?{urlencode(params)}"


def _new_row(org_id: int, name: str, path: str, kind: str, own: bool) -> HeatRow:
    return HeatRow(org_id, name, path, kind, own, [HeatCell(m) for m in range(1, 13)])


def _finish(
    rows: list[HeatRow], year: int, root_path: str, rule_id: str | None, sort: str
) -> list[HeatRow]:
    """Drop empty rows, set the links, and order: worst first or in tree order.

    The three page paths are reversed once: the city's 85 rows have 1,020 cell links."""
    kept = [r for r in rows if r.has_results]
    # The query strings as cell_url and urlencode write them, from prefixes built once.
    tail = f"&{urlencode({'year': year, **({'rule': rule_id} if rule_id else {})})}"
    rule_q = f"&{urlencode({'rule': rule_id})}" if rule_id else ""
    compliance = reverse("rules:compliance")
    behind = reverse("rules:compliance_behind")
    cell_base = reverse("rules:compliance_cell")
    for row in kept:
        prefix = f"{cell_base}?org={row.org_id}&year={year}&month="
        suffix = rule_q + ("&only=1" if row.own else "")
        for c in row.cells:
            if any(c.counts.values()):
                c.url = f"{prefix}{c.month}{suffix}"
        if row.path != root_path:
            row.url = f"{compliance}?within={row.org_id}{tail}"
        row.behind_url = f"{behind}?within={row.org_id}{tail}"
        if not row.label:
            row.label = f"{row.name}（本级）" if row.own and row.path == root_path else row.name
    return sort_rows(kept, sort)


def sort_rows(rows: list[HeatRow], sort: str) -> list[HeatRow]:
    if sort == "tree":
        return sorted(rows, key=lambda r: r.path)

    def worst(r: HeatRow) -> tuple:
        share = r.total.share
        return (share is None, share if share is not None else 0, -r.noncompliant, r.path)

    return sorted(rows, key=worst)


def build_rows(
    evaluation: Evaluation,
    root: Organization,
    children: list[Organization],
    rule_id: str | None,
    sort: str = "tree",
) -> list[HeatRow]:
    """One row for the root's own cells (when it has any) and one per child subtree."""
    step = Organization.steplen
    cut = len(root.path) + step
    own = _new_row(root.pk, root.name, root.path, root.kind, True)
    own.label = f"{root.short_name or root.name}（本级）"
    rows = {c.path: _new_row(c.pk, c.name, c.path, c.kind, False) for c in children}
    for c in children:
        rows[c.path].label = c.short_name or c.name
    orgs = evaluation.orgs
    NA = Status.NOT_APPLICABLE
    for cell in evaluation.cells:
        if cell.status == NA:
            continue
        path = orgs[cell.org_id].path
        row = own if path == root.path else rows.get(path[:cut])
        if row is None:
            continue
        row.cells[cell.period.last_month - 1].counts[cell.status] += 1
    return _finish([own, *rows.values()], evaluation.year, root.path, rule_id, sort)


def build_all_rows(
    evaluation: Evaluation, root: Organization, rule_id: str | None, sort: str = "worst"
) -> list[HeatRow]:
    """One row per org of the subtree that has results, with its own cells only."""
    rows: dict[int, HeatRow] = {}
    orgs = evaluation.orgs
    NA = Status.NOT_APPLICABLE
    for cell in evaluation.cells:
        if cell.status == NA:
            continue
        row = rows.get(cell.org_id)
        if row is None:
            o = orgs[cell.org_id]
            row = rows[cell.org_id] = _new_row(o.id, o.name, o.path, o.kind, True)
        row.cells[cell.period.last_month - 1].counts[cell.status] += 1
    _name_parents(list(rows.values()), root)
    return _finish(list(rows.values()), evaluation.year, root.path, rule_id, sort)


# --- the same rows from the cached roll-ups (rules/rollup.py) ---------------------------------


def _row_of(
    org_id: int, name: str, path: str, kind: str, own: bool, flat: tuple[int, ...]
) -> HeatRow:
    row = _new_row(org_id, name, path, kind, own)
    width = len(Status.ALL)
    for m, cell in enumerate(row.cells):
        chunk = flat[m * width : (m + 1) * width]
        if any(chunk):
            cell.counts = dict(zip(Status.ALL, chunk, strict=True))
    return row


def _summed(rows: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    total = [0] * (12 * len(Status.ALL))
    for flat in rows:
        for j, n in enumerate(flat):
            if n:
                total[j] += n
    return tuple(total)


def rollup_rows(
    rollups: list[Rollup],
    root: Organization,
    children: list[Organization],
    rule_id: str | None,
    year: int,
    sort: str = "tree",
) -> list[HeatRow]:
    """`build_rows` from roll-ups: the root's own row and one row per child subtree."""
    step = Organization.steplen
    cut = len(root.path) + step
    own_flat: list[tuple[int, ...]] = []
    by_child: dict[str, list[tuple[int, ...]]] = {c.path: [] for c in children}
    for part in rollups:
        if part.own or part.path in by_child:
            # A root's parts: its own results, and each child's subtree summed already.
            (own_flat if part.own else by_child[part.path]).append(part.total)
            continue
        for _id, _name, _kind, path, flat, _parent in part.orgs:
            if path == root.path:
                own_flat.append(flat)
            elif path[:cut] in by_child:
                by_child[path[:cut]].append(flat)
    own = _row_of(root.pk, root.name, root.path, root.kind, True, _summed(own_flat))
    own.label = f"{root.short_name or root.name}（本级）"
    rows = [own]
    for c in children:
        row = _row_of(c.pk, c.name, c.path, c.kind, False, _summed(by_child[c.path]))
        row.label = c.short_name or c.name
        rows.append(row)
    return _finish(rows, year, root.path, rule_id, sort)


def rollup_all_rows(
    rollups: list[Rollup], root: Organization, rule_id: str | None, year: int, sort: str = "worst"
) -> list[HeatRow]:
    """`build_all_rows` from roll-ups: one row per org with its own results (each org's
    parent's name was read with it, so no query here)."""
    rows = []
    names = {}
    for part in rollups:
        for org_id, name, kind, path, flat, parent in part.orgs:
            rows.append(_row_of(org_id, name, path, kind, True, flat))
            names[path[: -Organization.steplen]] = parent
    _name_parents(rows, root, names)
    return _finish(rows, year, root.path, rule_id, sort)


def _name_parents(rows: list[HeatRow], root: Organization, names: dict | None = None) -> None:
    if names is None:
        names = ancestor_names(root, [r.path for r in rows])
    step = Organization.steplen
    for row in rows:
        # Inside the subtree only (the root's own parent is not named).
        parent = row.path[:-step] if len(row.path) > len(root.path) else None
        row.parent_name = names.get(parent, "") if parent else ""
        if row.kind == OrgKind.PARTY_GROUP and row.parent_name and row.parent_name not in row.name:
            # 党小组 names repeat from branch to branch ("第一党小组"): say whose it is.
            row.label = f"{row.name}（{row.parent_name}）"


def ancestor_names(root: Organization, paths: list[str]) -> dict[str, str]:
    """{path: name} of the orgs above `paths` inside `root`'s subtree and of root — one query."""
    step = Organization.steplen
    wanted = {p[:cut] for p in paths for cut in range(len(root.path), len(p), step)}
    if not wanted:
        return {}
    return dict(Organization.objects.filter(path__in=sorted(wanted)).values_list("path", "name"))


def chart_option(rows: list[HeatRow], year: int) -> dict:
    """The ECharts option (data only; web/static/web/app.js mounts it and follows `url`).

    The first row is drawn at the top. The grid's label column has a fixed width
    (LABEL_WIDTH) so the page's sticky month header lines up with the columns.
    """
    names = [r.label for r in rows]
    last = len(rows) - 1
    data = []
    for i, row in enumerate(rows):
        y = last - i  # a category axis counts from the bottom
        for cell in row.cells:
            if cell.in_progress:
                # Running periods: a neutral colour (the -1 piece) and done/due as the label.
                data.append(
                    {
                        "value": [cell.month - 1, y, IN_PROGRESS_VALUE],
                        "url": cell.url,
                        "name": f"{names[i]} {cell.month}月",
                        "label": {"formatter": cell.text},
                        "tooltip": {"formatter": f"{names[i]} {cell.month}月：{cell.title}"},
                    }
                )
                continue
            value = cell.percent
            if value is None:
                continue
            data.append(
                {
                    "value": [cell.month - 1, y, value],
                    "url": cell.url,
                    "name": f"{names[i]} {cell.month}月",
                }
            )
    return {
        "animation": False,
        "tooltip": {"position": "top"},
        "grid": {
            "left": LABEL_WIDTH,
            "right": GRID_RIGHT,
            "top": 4,
            "bottom": 64,
            "containLabel": False,
        },
        "xAxis": {"type": "category", "data": MONTH_LABELS, "splitArea": {"show": True}},
        "yAxis": {
            "type": "category",
            "data": list(reversed(names)),
            "splitArea": {"show": True},
            "axisLabel": {"width": LABEL_WIDTH - 12, "overflow": "truncate"},
        },
        "visualMap": {
            "type": "piecewise",
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            # The same bands as the table's colours (HeatCell.css).
            "pieces": [
                {"gte": 90, "label": "≥ 90%", "color": "#2fb344"},
                {"gte": 60, "lt": 90, "label": "60%–90%", "color": "#f59f00"},
                {"gte": 0, "lt": 60, "label": "< 60%", "color": "#d63939"},
                {"value": IN_PROGRESS_VALUE, "label": "进行中", "color": "#cfe6fb"},
            ],
        },
        "series": [
            {
                "name": f"{year}年达标率（%）",
                "type": "heatmap",
                "data": data,
                "label": {"show": True},
                "emphasis": {"itemStyle": {"borderColor": "#1d273b", "borderWidth": 1}},
            }
        ],
    }


# The table repeats twelve cells for every row: built here in one pass (escaped), since a
# template loop per cell costs more than the rest of the page at city scale.


def table_cells(row: HeatRow) -> SafeString:
    """The row's twelve <td> of the folded table (on phones, the tiles: rules.css)."""
    parts = []
    for c in row.cells:
        if c.url:
            css, text, title = c.css, c.text, c.title
            parts.append(
                f'<td class="{css}"><a href="{escape(c.url)}" title="{title}">{text}</a></td>'
            )
        else:
            parts.append(f'<td class="{c.css}"></td>')
    return mark_safe("".join(parts))  # noqa: S308 (urls escaped; the rest is our own text)


def chart_script(option: dict, element_id: str) -> SafeString:
    """`json_script` of the chart option, escaped the same way (<, >, & as \\u escapes) with
    three replaces: the city's option is 200 KB, which json_script's translate took 10 ms on."""
    data = json.dumps(option, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return mark_safe(  # noqa: S308 (the JSON is escaped above, as json_script does)
        f'<script id="{escape(element_id)}" type="application/json">{data}</script>'
    )


def row_label(row: HeatRow) -> str:
    return row.label or row.name


def chart_height(rows: list[HeatRow]) -> int:
    return max(160, ROW_HEIGHT * len(rows) + 72)
