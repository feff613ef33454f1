"""工作台 (home): scoped counts and charts, each number linked to the records behind it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .context_processors import build_navigation, role_summaries
from .dashboard import home_sections


@login_required
def home(request):
    today = timezone.localdate()
    sections = home_sections(request.user, today)
    shortcuts = [item for item in build_navigation(request.user) if item.namespace != "web"]
    return render(
        request,
        "web/home.html",
        {
            "title": "工作台",
            "today": today,
            "sections": sections,
            "charts": [(f"chart-{i}", s.chart) for i, s in enumerate(sections) if s.chart],
            "shortcuts": shortcuts,
            "roles": role_summaries(request),
        },
    )
