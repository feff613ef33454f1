"""An org's page shows its brand and the cases of its subtree (core.panels)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q

from dangjian.core.panels import Panel, register

from .models import Brand, Case, Rating

SHOWN = 5


def org_panel(org: Any, user: Any) -> dict | None:
    """The org's brand (with its branch-brand count) and its latest cases: four queries."""
    brand = Brand.objects.restrict(user, "view").filter(org=org).first()
    branch_brands = brand.children.count() if brand is not None and brand.parent_id is None else 0
    cases = Case.objects.restrict(user, "view").within(org)
    totals = cases.aggregate(
        n=Count("pk"), excellent=Count("pk", filter=Q(rating__rating=Rating.EXCELLENT))
    )
    if brand is None and not totals["n"]:
        return None
    latest = list(cases.annotate(rating_value=F("rating__rating")).order_by("-year", "-id")[:SHOWN])
    return {
        "org_id": org.pk,
        "brand": brand,
        "branch_brands": branch_brands,
        "cases": latest,
        "case_count": totals["n"],
        "excellent": totals["excellent"],
    }


def connect() -> None:
    register(
        "orgs.organization",
        Panel("cases", "党建品牌与创新案例", "cases/_org_panel.html", org_panel, order=40),
    )
