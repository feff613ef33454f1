"""The compliance heatmap: orgs × months for a subtree and a year, from one evaluation.

Rows are the subtree's root (its own cells) and each of its direct children (the cells of
the child's whole subtree), so the 工委's map has one row per unit and a click on a row
opens the next level. A cell is the share of judged (org, rule, period) results that are
compliant among those whose period ends in that month (a quarterly rule is judged in the
quarter's last month, a yearly rule in December). Exempt, not-due and not-applicable
results are left out of the share and shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from dangjian.orgs.models import Organization

from .evaluator import Evaluation, Status

MONTH_LABELS = [f"{m}月" for m in range(1, 13)]


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
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    @property
    def css(self) -> str:
        share = self.share
        if share is None:
            return "bg-secondary-lt" if self.counts[Status.EXEMPT] else ""
        if share >= 0.9:
            return "bg-green-lt"
        return "bg-yellow-lt" if share >= 0.6 else "bg-red-lt"


@dataclass
class HeatRow:
    org: Organization
    own: bool  # the root's own cells (True) or a child's subtree (False)
    cells: list[HeatCell]

    @property
    def total(self) -> HeatCell:
        total = HeatCell(0)
        for cell in self.cells:
            for status, n in cell.counts.items():
                total.counts[status] += n
        return total

    @property
    def has_results(self) -> bool:
        return any(sum(c.counts.values()) for c in self.cells)


def cell_url(org_id: int, year: int, month: int, rule_id: str | None) -> str:
    params: dict[str, str | int] = {"org": org_id, "year": year, "month": month}
    if rule_id:
        params["rule"] = rule_id
    return f"{reverse('rules:compliance_cell')}?{urlencode(params)}"


def build_rows(
    evaluation: Evaluation, root: Organization, children: list[Organization], rule_id: str | None
) -> list[HeatRow]:
    """One row for the root's own cells (when it has any) and one per child subtree."""
    step = Organization.steplen
    cut = len(root.path) + step
    own = HeatRow(root, True, [HeatCell(m) for m in range(1, 13)])
    rows = {c.path: HeatRow(c, False, [HeatCell(m) for m in range(1, 13)]) for c in children}
    for cell in evaluation.cells:
        if cell.status == Status.NOT_APPLICABLE:
            continue
        path = evaluation.orgs[cell.org_id].path
        row = own if path == root.path else rows.get(path[:cut])
        if row is None:
            continue
        row.cells[cell.period.last_month - 1].counts[cell.status] += 1
    result = ([own] if own.has_results else []) + [r for r in rows.values() if r.has_results]
    for row in result:
        for c in row.cells:
            if sum(c.counts.values()):
                c.url = cell_url(row.org.pk, evaluation.year, c.month, rule_id)
    return result


def chart_option(rows: list[HeatRow], year: int) -> dict:
    """The ECharts option (data only; web/static/web/app.js mounts it and follows `url`)."""
    names = [row_label(r) for r in rows]
    data = []
    for y, row in enumerate(reversed(rows)):
        for cell in row.cells:
            value = cell.percent
            if value is None:
                continue
            data.append(
                {
                    "value": [cell.month - 1, y, value],
                    "url": cell.url,
                    "name": f"{names[len(rows) - 1 - y]} {cell.month}月",
                }
            )
    return {
        "animation": False,
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 8, "top": 8, "bottom": 64, "containLabel": True},
        "xAxis": {"type": "category", "data": MONTH_LABELS, "splitArea": {"show": True}},
        "yAxis": {
            "type": "category",
            "data": list(reversed(names)),
            "splitArea": {"show": True},
            "axisLabel": {"width": 240, "overflow": "truncate"},
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
                {"lt": 60, "label": "< 60%", "color": "#d63939"},
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


def row_label(row: HeatRow) -> str:
    name = row.org.short_name or row.org.name
    return f"{name}（本级）" if row.own else name


def chart_height(rows: list[HeatRow]) -> int:
    return max(200, 28 * len(rows) + 110)
