"""工作台 (home) and 待办: what the user's role acts on, each number linked to its records."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from dangjian.activities.models import Activity
from dangjian.core.bounds import parse_id, parse_int
from dangjian.core.scoping import has_any_scope, holds
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.rules.evaluator import VIEW_PERM
from dangjian.rules.views import FIRST_YEAR

from . import todo as todo_page
from .context_processors import build_navigation, role_summaries, safe_reverse
from .dashboard import home_sections

MEMBER = "member"  # a party member's own home: no roster to manage, nothing to record
HOME_ITEMS = 8  # open items / orgs / units shown on the home page (the 待办 page has them all)


def year_choice(request, today) -> tuple[int, str]:
    """`?year=` for the per-year figures, range-checked (core.bounds); default this year.
    A bad value is ignored with a note saying why, never a 500."""
    raw = request.GET.get("year", "")
    if not raw:
        return today.year, ""
    year = parse_int(raw, FIRST_YEAR, today.year)
    if year is None:
        return (
            today.year,
            f"年份应为 {FIRST_YEAR} 至 {today.year} 之间的整数，已显示 {today.year} 年。",
        )
    return year, ""


def can_act(user) -> bool:
    """Does the user manage a roster or record meetings anywhere (more than a member)?"""
    return has_any_scope(user, Activity, "add") or has_any_scope(user, Member, "view")


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    year, year_note = year_choice(request, today)
    page = None
    level = ""
    if holds(user, VIEW_PERM):
        if can_act(user):
            page = todo_page.build(user, today)
            level = page.level
        else:
            level = MEMBER
    sections = home_sections(user, today, year, level)
    shortcuts = [item for item in build_navigation(user) if item.namespace != "web"]
    return render(
        request,
        "web/home.html",
        {
            "title": "工作台",
            "today": today,
            "year": year,
            "years": list(range(today.year, FIRST_YEAR - 1, -1)),
            "year_note": year_note,
            "level": level,
            "page": page,
            "limit": HOME_ITEMS,
            "todo_url": safe_reverse("web:todo"),
            "me_url": safe_reverse("selfservice:me"),
            "activities_url": safe_reverse("activities:activity_list"),
            # every registered figure of the chosen year (统计指标), beside the year switch
            "metrics_url": safe_reverse("reports:metrics") if level != MEMBER else None,
            "sections": sections,
            "charts": [(f"chart-{i}", s.chart) for i, s in enumerate(sections) if s.chart],
            "shortcuts": shortcuts,
            "roles": role_summaries(request),
        },
    )


@login_required
def todo(request):
    """待办: the branch's requirements with record buttons, or the orgs behind (by unit)."""
    user = request.user
    if not holds(user, VIEW_PERM):
        raise PermissionDenied("您没有查看待办的权限。")
    focus = None
    raw = request.GET.get("org", "")
    if raw:
        pk = parse_id(raw)
        if pk is None:
            raise Http404("未找到该党组织。")
        focus = get_object_or_404(Organization.objects.holding(user, VIEW_PERM), pk=pk)
    today = timezone.localdate()
    export = request.GET.get("export") == "xlsx"
    page = todo_page.build(user, today, focus, every_org=export)
    many = page.level in (todo_page.UNIT, todo_page.COMMITTEE)
    if export and many:
        return todo_page.xlsx_download(user, page)
    title = f"待办：{page.focus.name}" if page.focus else "待办"
    return render(
        request,
        "web/todo.html",
        {
            "title": title,
            "page": page,
            "today": today,
            "many": many,
            "board_url": safe_reverse("assessments:rectification_board"),
            "export_url": f"?org={page.focus.pk}&export=xlsx" if page.focus else "?export=xlsx",
        },
    )
