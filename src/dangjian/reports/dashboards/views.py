"""统计指标 (every registered metric by area, with last year and the change), the records
behind each figure, and the dashboards (the overview, its 大屏 view, a unit's profile).

Input: `?year=` within the years the platform evaluates (2018 … this year) and `?org=` an
org id the user may view; anything else is a 400 page saying what to write, an org outside
the user's scope a 404 — never figures of someone else's subtree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dangjian.core.bounds import parse_id, parse_int
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.orgpicker import render_org_picker
from dangjian.core.scoping import has_any_scope
from dangjian.orgs.models import Organization

from . import areas, charts, drilldown, values

FIRST_YEAR = 2018  # the first year the rules evaluate (《支部工作条例（试行）》)
PAGE_SIZE = 50
NO_ACCESS = "您没有查看统计报表的权限。"
NOT_FOUND_ORG = "未找到该党组织，或该组织不在您的查看范围内。"


class BadInput(Exception):
    """A parameter the page cannot use: answered 400 with the message."""


def bad_request(request, message: str) -> HttpResponse:
    return render(request, "core/bad_request.html", {"message": message}, status=400)


def check_access(user: Any) -> None:
    """The org roles' figures: a member account (党员 only) reads its own 我的 page."""
    codes: set[str] = getattr(user, "role_codes", set)()
    member_only = bool(codes) and codes <= {"party_member"}
    if member_only or not has_any_scope(user, Organization, "view"):
        raise PermissionDenied(NO_ACCESS)


def year_param(request) -> int:
    today = timezone.localdate()
    raw = request.GET.get("year", "")
    if raw == "":
        return today.year
    year = parse_int(raw, FIRST_YEAR, today.year)
    if year is None:
        raise BadInput(f"年份应为 {FIRST_YEAR} 至 {today.year} 之间的整数，例如 {today.year - 1}。")
    return year


def org_param(request, name: str = "org") -> Organization | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    return org_by_id(request.user, raw)


def org_by_id(user: Any, raw: Any) -> Organization:
    pk = parse_id(raw)
    if pk is None:
        raise BadInput("组织编号应为正整数，请从组织选择框中选择。")
    org = Organization.objects.restrict(user, "view").filter(pk=pk).first()
    if org is None:
        raise Http404(NOT_FOUND_ORG)
    return org


def query(year: int, org: Organization | None, **extra: Any) -> str:
    params: dict[str, Any] = {"year": year}
    if org is not None:
        params["org"] = org.pk
    params.update(extra)
    return urlencode(params)


def guarded(view):
    """Login, the access check, and BadInput as a 400 page."""

    @login_required
    def wrapped(request, *args, **kwargs):
        check_access(request.user)
        try:
            return view(request, *args, **kwargs)
        except BadInput as exc:
            return bad_request(request, str(exc))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def years() -> list[int]:
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


# --- 统计指标 ------------------------------------------------------------------------------


@guarded
def metric_list(request):
    """Every metric's label by area; each area's values come in by its own request when
    it is scrolled into view (`metric_group`), so a slow area is computed only when seen."""
    year = year_param(request)
    org = org_param(request)
    visible = Organization.objects.restrict(request.user, "view")
    base = reverse("reports:metric_group", args=["_"]).rsplit("_", 1)[0]
    groups = [
        {
            "key": g.key,
            "name": g.name,
            "metrics": g.metrics,
            "url": f"{base}{g.key}/?{query(year, org)}",
        }
        for g in areas.groups()
    ]
    return render(
        request,
        "reports/dashboards/metrics.html",
        {
            "title": "统计指标",
            "year": year,
            "years": years(),
            "org": org,
            "picker": render_org_picker(
                "org",
                visible,
                org.pk if org else None,
                empty_label="我的全部范围",
                id="metrics-org",
            ),
            "groups": groups,
            "count": sum(len(g["metrics"]) for g in groups),
            "overview_url": f"{reverse('reports:overview')}?year={year}",
        },
    )


@guarded
def metric_group(request, group: str):
    """One area's values for the year and the year before, each linked to its records."""
    year = year_param(request)
    org = org_param(request)
    found = areas.group(group)
    if found is None:
        raise Http404("没有这一类指标。")
    version = values.data_version()
    now = values.group_values(request.user, org, year, group, found.metrics, version=version)
    before = (
        values.group_values(request.user, org, year - 1, group, found.metrics, version=version)
        if year > FIRST_YEAR
        else {}
    )
    rows = []
    for m in found.metrics:
        current, previous = now.get(m.id), before.get(m.id)
        text, direction = values.change(current, previous, m.unit)
        rows.append(
            {
                "metric": m,
                "value": values.display(current, m.unit),
                "previous": values.display(previous, m.unit) if before else "—",
                "change": text,
                "direction": direction,
                "url": (
                    f"{reverse('reports:metric_records', args=[m.id])}?{query(year, org)}"
                    if m.drilldown is not None
                    else ""
                ),
            }
        )
    return render(
        request,
        "reports/dashboards/_group.html",
        {"group": found, "rows": rows, "year": year},
    )


@guarded
def metric_records(request, metric_id: str):
    """The records behind one figure (the metric's drill-down), paginated; `?export=xlsx`."""
    if metric_id not in registry:
        raise Http404(f"没有编号为“{metric_id}”的指标。")
    metric = registry.get(metric_id)
    if metric.drilldown is None:
        raise Http404("该指标没有可查看的明细记录。")
    year = year_param(request)
    org = org_param(request)
    scope = MetricScope(request.user, year, org)
    qs = drilldown.prepared(metric.drilldown(scope))
    label = f"{metric.label}（{year}年）"
    if request.GET.get("export") == "xlsx":
        return drilldown.exporter(str(metric.label), qs.model).response(request.user, qs)
    page_number = parse_int(request.GET.get("page") or "1", 1, 10**9)
    if page_number is None:
        raise BadInput("页码应为正整数。")
    paginator = Paginator(qs, PAGE_SIZE)
    if page_number > max(paginator.num_pages, 1):
        raise Http404("没有这一页。")
    page = paginator.page(page_number)
    cols = drilldown.columns(qs.model)
    rows = [
        {
            "name": str(obj),
            "url": drilldown.record_url(obj),
            "cells": [c.value(obj) for c in cols[1:]],
        }
        for obj in page.object_list
    ]
    area = areas.group(areas.area_of(metric.id))
    found = values.group_values(request.user, org, year, area.key, area.metrics) if area else {}
    value = values.display(found.get(metric.id), metric.unit)
    return render(
        request,
        "reports/dashboards/records.html",
        {
            "title": label,
            "metric": metric,
            "value": value,
            "year": year,
            "org": org,
            "headers": [c.header for c in cols],
            "rows": rows,
            "page": page,
            "paginator": paginator,
            "model_name": qs.model._meta.verbose_name_plural,
            "export_query": query(year, org, export="xlsx"),
            "page_query": query(year, org),
            "back_url": f"{reverse('reports:metrics')}?{query(year, org)}",
        },
    )


# --- dashboards ----------------------------------------------------------------------------


def _dashboard(request, *, org: Organization | None, template: str, units: bool, title: str):
    year = year_param(request)
    today = timezone.localdate()
    board = charts.build(request.user, year, org, today, units=units)
    return render(
        request,
        template,
        {
            "title": title,
            "year": year,
            "years": years(),
            "org": org,
            "board": board,
            "charts": [(c.id, c) for c in board.charts],
            "today": today,
            "metrics_url": f"{reverse('reports:metrics')}?{query(year, org)}",
            "screen_url": f"{reverse('reports:overview_screen')}?year={year}",
            "overview_url": f"{reverse('reports:overview')}?year={year}",
        },
    )


@guarded
def overview(request):
    """The 工委's overview: the user's whole scope, one row per unit."""
    return _dashboard(
        request, org=None, template="reports/dashboards/overview.html", units=True, title="数据总览"
    )


@guarded
def overview_screen(request):
    """The same figures laid out for a wall screen (大屏): dark, no menu, full-screen button."""
    return _dashboard(
        request, org=None, template="reports/dashboards/screen.html", units=True, title="数据大屏"
    )


@guarded
def unit_profile(request, org_id: int):
    """One org's profile (a unit's 党委 usually): the same figures within its subtree."""
    org = org_by_id(request.user, org_id)
    return _dashboard(
        request,
        org=org,
        template="reports/dashboards/unit_profile.html",
        units=False,
        title=f"单位画像：{org.name}",
    )
