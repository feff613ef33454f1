"""党内统计 page (`reports:statistics`): the tables of one scope and year, the balance check,
the xlsx download; and the national-system exchange downloads (`reports:exchange_export`).

Input: `?org=` an org whose members the user may read (the one org picker; default the top
of their scope) and `?year=` from 2000 to this year (default last year). A bad year is a
400 page saying what to write; an org outside the user's scope a 404, the same answer as a
missing one; no member-reading right anywhere a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from dangjian.core import services
from dangjian.core.orgpicker import render_org_picker
from dangjian.orgs.models import Organization

from . import exchange, tables, workbook
from .scope import MEMBER_PERM, ScopeError, make_scope, resolve_org, year_range

NO_DATA = "该范围在 {year} 年没有党员、发展、出党或组织关系转接记录，无法生成党内统计；请换一个年度或统计范围。"


def _member_only(user: Any) -> bool:
    codes: set[str] = getattr(user, "role_codes", set)()
    return bool(codes) and codes <= {"party_member"}


def _refuse(request, exc: ScopeError) -> HttpResponse:
    if exc.status == 403:
        services.emit("permission_denied", None, outcome="failure", path=request.path)
        raise PermissionDenied(exc.message)
    if exc.status == 404:
        raise Http404(exc.message)
    return render(request, "core/bad_request.html", {"message": exc.message}, status=exc.status)


def _scope(request):
    if _member_only(request.user):
        raise ScopeError("您没有查看党员信息的权限，不能生成党内统计。", status=403)
    return make_scope(request.user, request.GET.get("org"), request.GET.get("year"))


@login_required
def statistics(request):
    try:
        scope = _scope(request)
    except ScopeError as exc:
        return _refuse(request, exc)
    report = tables.build(scope)
    if request.GET.get("export") == "xlsx":
        if not report.has_data:
            return _refuse(request, ScopeError(NO_DATA.format(year=scope.year)))
        return workbook.response(request.user, report)
    lo, hi = year_range(scope.today)
    picker = render_org_picker(
        "org",
        Organization.objects.holding(request.user, MEMBER_PERM),
        scope.org.pk,
        empty_label=None,
        id="stat-org",
    )
    query = f"org={scope.org.pk}&year={scope.year}"
    return render(
        request,
        "reports/statistics/statistics.html",
        {
            "title": "党内统计",
            "report": report,
            "scope": scope,
            "heading": workbook.heading(report),
            "years": list(range(hi, lo - 1, -1)),
            "org_picker": picker,
            "export_url": f"{reverse('reports:statistics')}?{query}&export=xlsx",
            "exchange_members_url": f"{reverse('reports:exchange_export')}?org={scope.org.pk}&kind=members",
            "exchange_applicants_url": f"{reverse('reports:exchange_export')}?org={scope.org.pk}&kind=applicants",
            "no_data": NO_DATA.format(year=scope.year) if not report.has_data else "",
            "tables": report.tables,
            "balance": report.balance,
            "reveals": exchange.reveals_anywhere(request.user),
        },
    )


@login_required
def exchange_export(request):
    """Members or applicants of a scope in the national system's columns (xlsx)."""
    try:
        if _member_only(request.user):
            raise ScopeError("您没有查看党员信息的权限。", status=403)
        kind = request.GET.get("kind") or "members"
        if kind not in exchange.KINDS:
            raise ScopeError("导出类别应为 members（党员）或 applicants（入党申请人）。")
        org = resolve_org(request.user, request.GET.get("org"))
    except ScopeError as exc:
        return _refuse(request, exc)
    return exchange.export_response(request.user, org, kind)
