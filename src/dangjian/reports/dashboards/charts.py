"""The dashboards' figures and charts (the 工委's overview, a unit's profile).

Each chart is an ECharts option holding data only (the page's script draws it); every data
item carries the `url` of the records behind it, and every chart the toolbox button that
saves it as an image. Figures come from the metrics registry (cached per data version,
`values`), the compliance roll-ups (`rules.rollup`, cached per token) and one GROUP BY for
the terms — never a query per org.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from dangjian.core.metrics import Metric, registry
from dangjian.core.scoping import has_any_scope, holds, scope_paths
from dangjian.orgs import termrules
from dangjian.orgs.models import Organization, OrgStatus, Term
from dangjian.rules import rollup
from dangjian.rules.evaluator import VIEW_PERM, Status
from dangjian.rules.switches import enabled_rules

from . import areas, values

MONTHS = [f"{m}月" for m in range(1, 13)]
# Areas whose figures the dashboards show as cards and bar charts, when they are registered.
REGISTERS = ("honors", "cases", "integrity", "volunteers", "training")
# Units that are not a count of things: not drawn beside counts on one axis (40,544 学时
# would flatten 12 人次 to nothing).
NOT_COUNTS = frozenset({"%", "学时", "小时", "元", "分"})
HEADLINE = (
    "orgs.grassroots_count",
    "members.count",
    "recruitment.admitted",
    "supervision.findings_count",
    "supervision.rectification_closure_rate",
    "dues.on_time_rate",
)
TERM_ORDER = (
    termrules.TermStatus.OVERDUE,
    termrules.TermStatus.DUE_3,
    termrules.TermStatus.DUE_6,
    termrules.TermStatus.NORMAL,
    termrules.TermStatus.NO_DATA,
)
TERM_COLORS = {
    termrules.TermStatus.OVERDUE: "#d63939",
    termrules.TermStatus.DUE_3: "#f76707",
    termrules.TermStatus.DUE_6: "#f59f00",
    termrules.TermStatus.NORMAL: "#2fb344",
    termrules.TermStatus.NO_DATA: "#9ba9be",
}


@dataclass
class Card:
    label: str
    value: str
    unit: str
    url: str


@dataclass
class Chart:
    id: str
    title: str
    option: dict
    note: str = "点击图形查看对应记录"
    height: int = 320  # pixels


@dataclass
class Dashboard:
    year: int
    root: Organization | None
    cards: list[Card] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)


def records_url(metric_id: str, year: int, within: Any) -> str:
    params: dict[str, Any] = {"year": year}
    if within is not None:
        params["org"] = within.pk
    return f"{reverse('reports:metric_records', args=[metric_id])}?{urlencode(params)}"


def _base(title: str, name: str) -> dict:
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "toolbox": {
            "right": 8,
            "feature": {"saveAsImage": {"title": "保存为图片", "name": name, "pixelRatio": 2}},
        },
        "tooltip": {"trigger": "item"},
        "grid": {"left": 48, "right": 16, "bottom": 48, "top": 48, "containLabel": True},
    }


def metric_bar(
    chart_id: str, title: str, metrics: list[Metric], found: dict, year: int, within: Any
) -> Chart:
    """One bar per metric (its value this year), each opening the metric's records; lying
    down, so that long Chinese labels read at 390 px too."""
    option = _base(title, f"{title}{year}")
    ordered = list(reversed(metrics))  # ECharts draws a category axis from the bottom up
    option["grid"] = {"left": 8, "right": 40, "bottom": 16, "top": 40, "containLabel": True}
    option["yAxis"] = {
        "type": "category",
        "data": [str(m.label) for m in ordered],
        "axisLabel": {"width": 150, "overflow": "truncate", "fontSize": 11},
    }
    option["xAxis"] = {"type": "value", "minInterval": 1}
    option["series"] = [
        {
            "type": "bar",
            "barMaxWidth": 18,
            "label": {"show": True, "position": "right"},
            "data": [
                {
                    "value": float(found[m.id]) if values.is_number(found.get(m.id)) else 0,
                    "name": str(m.label),
                    "url": records_url(m.id, year, within),
                }
                for m in ordered
            ],
        }
    ]
    return Chart(chart_id, title, option, height=max(220, 70 + 30 * len(metrics)))


def _metric_values(user: Any, within: Any, year: int, keys: set[str]) -> dict[str, Any]:
    """Values of the areas `keys` (cached per area, shared with the 统计指标 page)."""
    version = values.data_version()
    found: dict[str, Any] = {}
    for g in areas.groups():
        if g.key in keys:
            found.update(values.group_values(user, within, year, g.key, g.metrics, version=version))
    return found


def compliance_root(user: Any, within: Any) -> Organization | None:
    """The subtree whose compliance the user may see: `within`, else the top of the
    user's own (the first when they hold several)."""
    if not holds(user, VIEW_PERM):
        return None
    if within is not None:
        qs = Organization.objects.holding(user, VIEW_PERM).filter(pk=within.pk)
        return rollup.with_tokens(qs).first()
    paths = scope_paths(user, VIEW_PERM)
    qs = (
        Organization.objects.filter(depth=1)
        if "" in paths
        else Organization.objects.filter(path__in=paths)
    )
    return rollup.with_tokens(qs).order_by("path").first()


def compliance_chart(user: Any, year: int, root: Organization, today: dt.date, units: bool):
    """(monthly compliance rate chart, the units' rows) from the cached roll-ups."""
    rules = [r for r in enabled_rules() if r.is_evaluated]
    children = (
        list(rollup.with_tokens(Organization.objects.holding(user, VIEW_PERM).children_of(root)))
        if root.depth == 1
        else None
    )
    parts = rollup.load(user, year, root, rules, children=children, orgs=False, today=today)
    months = [dict.fromkeys(Status.ALL, 0) for _ in range(12)]
    for part in parts:
        for m, counts in enumerate(part.months()):
            for status, n in counts.items():
                months[m][status] += n
    behind = reverse("rules:compliance_behind")
    compliance = reverse("rules:compliance")

    def rate(c: dict) -> float | None:
        judged = c[Status.COMPLIANT] + c[Status.NONCOMPLIANT]
        return round(100 * c[Status.COMPLIANT] / judged, 1) if judged else None

    def query(**extra: Any) -> str:
        return urlencode({"year": year, "within": root.pk, **extra})

    option = _base("制度落实达标率（按月）", f"制度落实达标率{year}")
    option["tooltip"] = {"trigger": "axis"}
    option["xAxis"] = {"type": "category", "data": MONTHS}
    option["yAxis"] = {
        "type": "value",
        "min": 0,
        "max": 100,
        "axisLabel": {"formatter": "{value}%"},
    }
    option["series"] = [
        {
            "type": "line",
            "name": "达标率",
            "connectNulls": False,
            "symbolSize": 8,
            "data": [
                {"value": rate(c), "url": f"{behind}?{query()}", "missed": c[Status.NONCOMPLIANT]}
                for c in months
            ],
        }
    ]
    chart = Chart("chart-compliance", "制度落实", option)
    rows: list[dict] = []
    if units and children:
        by_path = {p.path: p for p in parts if not p.own}
        for child in children:
            found = by_path.get(child.path)
            total = dict.fromkeys(Status.ALL, 0)
            if found is not None:
                for counts in found.months():
                    for status, n in counts.items():
                        total[status] += n
            rows.append(
                {
                    "org": child,
                    "rate": rate(total),
                    "missed": total[Status.NONCOMPLIANT],
                    "profile_url": f"{reverse('reports:unit_profile', args=[child.pk])}?year={year}",
                    "compliance_url": f"{compliance}?{urlencode({'year': year, 'within': child.pk})}",
                }
            )
        rows.sort(key=lambda r: (r["rate"] is None, r["rate"] if r["rate"] is not None else 0))
    return chart, rows


def term_chart(user: Any, within: Any, today: dt.date) -> Chart | None:
    """换届 status of the current term of every elected org in scope (one GROUP BY)."""
    if not (has_any_scope(user, Organization, "view") and has_any_scope(user, Term, "view")):
        return None
    qs = Organization.objects.restrict(user, "view").filter(
        kind__in=termrules.term_kinds(), status=OrgStatus.ACTIVE
    )
    if within is not None:
        qs = qs.within(within)
    rows = qs.with_term_status(today).order_by().values("term_status").annotate(n=Count("pk"))
    counts = {row["term_status"]: row["n"] for row in rows}
    if not any(counts.values()):
        return None
    labels = termrules.TermStatus.LABELS
    org_list = reverse("orgs:organization_list")

    def url(status: str) -> str:
        params = [("term_status", status), ("status", OrgStatus.ACTIVE)]
        if within is not None:
            params.append(("within", str(within.pk)))
        return f"{org_list}?{urlencode(params)}"

    option = _base("换届状态", "换届状态")
    option["xAxis"] = {"type": "category", "data": [labels[s] for s in TERM_ORDER]}
    option["yAxis"] = {"type": "value", "minInterval": 1}
    option["series"] = [
        {
            "type": "bar",
            "name": "组织数",
            "barMaxWidth": 48,
            "label": {"show": True, "position": "top"},
            "data": [
                {"value": counts.get(s, 0), "url": url(s), "itemStyle": {"color": TERM_COLORS[s]}}
                for s in TERM_ORDER
            ],
        }
    ]
    return Chart("chart-terms", "换届", option)


def build(user: Any, year: int, within: Any, today: dt.date, *, units: bool) -> Dashboard:
    """The figures of the overview (`within` None: the user's whole scope; `units`: one row
    per unit with its compliance) or of one org's profile (`within` that org)."""
    board = Dashboard(year, within)
    metrics = {m.id: m for m in registry.all()}
    wanted = {"orgs", "members", "recruitment", "dues", "supervision", "evaluation", *REGISTERS}
    found = _metric_values(user, within, year, wanted)

    for metric_id in HEADLINE:
        m = metrics.get(metric_id)
        if m is not None and metric_id in found:
            board.cards.append(
                Card(
                    m.label,
                    values.display(found[metric_id], m.unit),
                    m.unit,
                    records_url(m.id, year, within),
                )
            )

    root = compliance_root(user, within)
    if root is not None:
        chart, rows = compliance_chart(user, year, root, today, units)
        board.charts.append(chart)
        board.units = rows
    term = term_chart(user, within, today)
    if term is not None:
        board.charts.append(term)

    def counted(prefixes: tuple[str, ...]) -> list[Metric]:
        return [
            m
            for m in metrics.values()
            if areas.area_of(m.id) in prefixes
            and str(m.unit) not in NOT_COUNTS
            and values.is_number(found.get(m.id))
        ]

    for chart_id, title, prefixes in (
        ("chart-supervision", "督查考评", ("supervision", "evaluation")),
        ("chart-recruitment", "发展党员", ("recruitment",)),
        ("chart-registers", "评先评优、案例、廉政与志愿服务", REGISTERS),
    ):
        shown = counted(prefixes)
        if shown:
            board.charts.append(metric_bar(chart_id, title, shown, found, year, within))
    dues = [
        metrics[i]
        for i in ("dues.arrears_members",)
        if i in metrics and values.is_number(found.get(i))
    ]
    rate = metrics.get("dues.on_time_rate")
    if rate is not None and values.is_number(found.get(rate.id)):
        board.charts.append(dues_gauge(float(found[rate.id]), year, within, dues, found))
    return board


def dues_gauge(rate: float, year: int, within: Any, others: list[Metric], found: dict) -> Chart:
    option = _base("党费按时交纳率", f"党费按时交纳率{year}")
    detail = "；".join(f"{m.label} {values.display(found[m.id], m.unit)} {m.unit}" for m in others)
    option["series"] = [
        {
            "type": "gauge",
            "min": 0,
            "max": 100,
            "progress": {"show": True, "width": 14},
            "axisLine": {"lineStyle": {"width": 14}},
            "detail": {"formatter": "{value}%", "fontSize": 22, "offsetCenter": [0, "60%"]},
            "data": [
                {
                    "value": rate,
                    "name": "按时交纳率",
                    "url": records_url("dues.on_time_rate", year, within),
                }
            ],
        }
    ]
    return Chart("chart-dues", "党费", option, note=detail or "点击图形查看未按时交纳的月份")
