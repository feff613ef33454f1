"""The org page's 廉政风险 panel: the org's registers (its own, or its units') with counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Subquery

from dangjian.core.panels import Panel, register

from .models import Institution, Measure, RiskPoint, RiskSubmission


def _count(model: Any, user: Any) -> Subquery:
    rows = (
        model.objects.restrict(user, "view")
        .filter(submission=OuterRef("pk"))
        .order_by()
        .values("submission")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(rows)


def org_registers(org: Any, user: Any) -> dict | None:
    """The last five registers of the org itself (a unit-level org): one query."""
    registers = list(
        RiskSubmission.objects.restrict(user, "view")
        .filter(org=org)
        .select_related("review")
        .annotate(
            n_points=_count(RiskPoint, user),
            n_measures=_count(Measure, user),
            n_institutions=_count(Institution, user),
        )
        .order_by("-review__year")[:5]
    )
    if not registers:
        return None
    return {"registers": registers}


def register_panels() -> None:
    register(
        "orgs.organization",
        Panel("integrity", "廉政风险排查", "integrity/_org_panel.html", org_registers, order=40),
    )
