"""What lies behind the heatmap's figures: the orgs behind (未达标) and the xlsx export.

Both read one evaluation of the subtree (`evaluator.evaluate`) and at most one query for
the names of the orgs above the listed ones: never a query per org or per cell. The
workbook goes through the one writer (`core.excel.writer`) and the export is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from dangjian.core.excel import writer
from dangjian.core.excel.exporter import download
from dangjian.orgs.models import Organization, OrgKind

from . import heatmap
from .evaluator import Evaluation, Status
from .rollup import Rollup

KIND_LABELS = dict(OrgKind.choices)


@dataclass
class BehindRow:
    """An org with at least one missed (org, rule, period): what it missed, per rule."""

    org_id: int
    name: str
    path: str
    kind: str
    missed: int = 0
    rules: dict[str, list[str]] = field(default_factory=dict)  # rule title → periods missed
    parent_name: str = ""
    unit_name: str = ""
    url: str = ""  # the org's own heatmap

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def rule_list(self) -> list[tuple[str, str]]:
        return [(title, "、".join(periods)) for title, periods in self.rules.items()]


def behind_rows(
    evaluation: Evaluation, root: Organization, rule_id: str | None = None
) -> list[BehindRow]:
    """The orgs of the evaluation with missed results, most missed first."""
    titles = {r.id: r.title for r in evaluation.rules}
    rows: dict[int, BehindRow] = {}
    NONCOMPLIANT = Status.NONCOMPLIANT
    for cell in evaluation.cells:
        if cell.status != NONCOMPLIANT or (rule_id and cell.rule_id != rule_id):
            continue
        row = rows.get(cell.org_id)
        if row is None:
            o = evaluation.orgs[cell.org_id]
            row = rows[cell.org_id] = BehindRow(o.id, o.name, o.path, o.kind)
        row.missed += 1
        row.rules.setdefault(titles[cell.rule_id], []).append(cell.period.short_label)
    names = heatmap.ancestor_names(root, [r.path for r in rows.values()])
    step = Organization.steplen
    unit_cut = 2 * step
    base = reverse("rules:compliance")
    for row in rows.values():
        row.parent_name = names.get(row.path[:-step], "")
        row.unit_name = names.get(row.path[:unit_cut], "") if len(row.path) > unit_cut else ""
        params: dict[str, Any] = {"within": row.org_id, "year": evaluation.year}
        if rule_id:
            params["rule"] = rule_id
        row.url = f"{base}?{urlencode(params)}"
    return sorted(rows.values(), key=lambda r: (-r.missed, r.path))


def rollup_behind_rows(
    rollups: list[Rollup],
    root: Organization,
    children: list[Organization] | None,
    rules: list,
    year: int,
    rule_id: str | None = None,
) -> list[BehindRow]:
    """`behind_rows` from the cached roll-ups (rules/rollup.py): no evaluation, no query —
    the parent's name was read with each org, the unit's is the root's or a child's."""
    titles = {r.id: r.title for r in rules}
    step = Organization.steplen
    unit_cut = 2 * step
    units = {root.path: root.name, **{c.path: c.name for c in children or ()}}
    base = reverse("rules:compliance")
    tail = urlencode({"year": year, **({"rule": rule_id} if rule_id else {})})
    rows = []
    for part in rollups:
        for org_id, name, kind, path, parent, missed in part.behind:
            row = BehindRow(org_id, name, path, kind)
            for missed_rule, label in missed:
                if rule_id and missed_rule != rule_id:
                    continue
                row.missed += 1
                row.rules.setdefault(titles[missed_rule], []).append(label)
            if not row.missed:
                continue
            inside = len(path) > len(root.path)
            row.parent_name = parent if inside else ""
            row.unit_name = units.get(path[:unit_cut], "") if len(path) > unit_cut else ""
            row.url = f"{base}?within={org_id}&{tail}"
            rows.append(row)
    return sorted(rows, key=lambda r: (-r.missed, r.path))


# --- the workbook ------------------------------------------------------------------------

RATE_HEADERS = [
    "组织名称",
    "上级组织",
    "组织类别",
    "全年达标率",
    "达标",
    "未达标",
    "豁免",
    "未到期",
    *heatmap.MONTH_LABELS,
]
BEHIND_HEADERS = [
    "组织名称",
    "上级组织",
    "所属单位",
    "组织类别",
    "未达标次数",
    "未落实的规则及期间",
]
DETAIL_HEADERS = ["组织名称", "上级组织", "规则", "依据", "期间", "开展次数", "应开展次数", "说明"]


def _rate(cell: heatmap.HeatCell) -> Any:
    share = cell.share
    return None if share is None else round(share, 4)


def workbook(evaluation: Evaluation, root: Organization, rule_title: str = "") -> tuple[Any, int]:
    """达标率 (every org of every level, own results, worst first), 未达标组织, 未达标明细
    and 说明 sheets; with the number of org rows written."""
    rule_id = evaluation.rules[0].id if rule_title and len(evaluation.rules) == 1 else None
    rows = heatmap.build_all_rows(evaluation, root, rule_id, sort="worst")
    behind = behind_rows(evaluation, root, rule_id)
    wb = writer.new_workbook(write_only=True)
    rates = writer.sheet(
        wb, "各组织达标率", headers=RATE_HEADERS, widths=[36, 30, 10, 10, 8, 8, 8, 8, *[7] * 12]
    )
    for row in rows:
        t = row.total
        writer.append(
            rates,
            [
                row.name,
                row.parent_name,
                str(KIND_LABELS.get(row.kind, row.kind)),
                _rate(t),
                t.counts[Status.COMPLIANT],
                t.counts[Status.NONCOMPLIANT],
                t.counts[Status.EXEMPT],
                t.counts[Status.NOT_DUE],
                *[_rate(c) for c in row.cells],
            ],
        )
    missed = writer.sheet(wb, "未达标组织", headers=BEHIND_HEADERS, widths=[36, 30, 30, 10, 10, 60])
    for b in behind:
        writer.append(
            missed,
            [
                b.name,
                b.parent_name,
                b.unit_name,
                b.kind_label,
                b.missed,
                "；".join(f"{title}（{periods}）" for title, periods in b.rule_list),
            ],
        )
    details = writer.sheet(
        wb, "未达标明细", headers=DETAIL_HEADERS, widths=[36, 30, 36, 40, 16, 10, 10, 24]
    )
    parents = {b.org_id: b.parent_name for b in behind}
    by_id = {r.id: r for r in evaluation.rules}
    for cell in evaluation.cells:
        if cell.status != Status.NONCOMPLIANT or (rule_id and cell.rule_id != rule_id):
            continue
        rule = by_id[cell.rule_id]
        writer.append(
            details,
            [
                evaluation.orgs[cell.org_id].name,
                parents.get(cell.org_id, ""),
                rule.title,
                rule.citation.text(),
                cell.period.label,
                cell.count,
                cell.required,
                cell.reason or cell.warning,
            ],
        )
    note = writer.sheet(wb, "说明")
    scope = f"{root.name}及其下级组织" + (f"，规则：{rule_title}" if rule_title else "")
    writer.append(note, [f"{evaluation.year}年制度落实情况：{scope}"])
    writer.append(
        note,
        [
            "达标率 = 达标 ÷（达标 + 未达标），豁免、未到期、不适用不计入；"
            "各月按当月到期的（组织、规则、期间）计：季度规则计入季末月，年度规则计入12月。"
        ],
    )
    writer.append(note, [f"统计日期：{evaluation.today:%Y-%m-%d}"])
    return wb, len(rows)


def xlsx_download(user: Any, evaluation: Evaluation, root: Organization, rule_title: str = ""):
    """The compliance workbook as a download; audited like every other export."""
    wb, count = workbook(evaluation, root, rule_title)
    name = (root.short_name or root.name)[:40]
    return download(
        user,
        wb,
        model="rules.compliance",
        rows=count,
        filters={
            "year": evaluation.year,
            "within": root.pk,
            "rule": evaluation.rules[0].id if rule_title else None,
        },
        filename=f"制度落实情况_{name}_{evaluation.year}.xlsx",
    )
