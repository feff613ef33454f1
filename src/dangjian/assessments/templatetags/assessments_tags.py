"""`{% assessment_panel org %}`: the slot for an org's assessments, findings and open
rectifications on its detail page.

The org page (orgs app) includes it with one line; the panel itself is loaded by htmx from
`assessments:org_panel`, so the org page's own queries do not grow with it and orgs never
imports assessments (layering). Deciding whether to show the slot costs no query: the
user's grants are loaded once per request.
"""

from __future__ import annotations

from typing import Any

from django import template

from dangjian.core.scoping import has_any_scope
from dangjian.orgs.models import Organization

from ..models import Assessment, Finding

register = template.Library()


@register.inclusion_tag("assessments/_org_panel_slot.html", takes_context=True)
def assessment_panel(context: dict[str, Any], org: Organization) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    visible = has_any_scope(user, Assessment, "view") or has_any_scope(user, Finding, "view")
    return {"visible": visible, "org": org}


@register.filter
def percent(share: float | None) -> str:
    """0.0027 → "0.3%": one decimal, so a problem in 3 of 1,479 orgs does not read as 0%."""
    if share is None:
        return "—"
    return f"{share * 100:.1f}%"
