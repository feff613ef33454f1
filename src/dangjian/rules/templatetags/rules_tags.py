"""`{% compliance_panel org %}`: this year's compliance of an org, for its detail page.

The org page (orgs app) includes the panel with one line; the evaluation runs here, so
orgs never imports rules (layering). Shown only to users who may see compliance there.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import template
from django.utils import timezone

from dangjian.core.bounds import parse_int
from dangjian.core.scoping import holds
from dangjian.orgs.models import Organization

from ..evaluator import VIEW_PERM, Status, evaluate
from ..switches import enabled_rules

register = template.Library()


@register.inclusion_tag("rules/_compliance_panel.html", takes_context=True)
def compliance_panel(
    context: dict[str, Any], org: Organization, year: int | None = None
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # The user's grants are loaded once per request: this costs no query.
    if not holds(user, VIEW_PERM, org.path):
        return {"visible": False}
    year = year or _year(request)
    rules = [r for r in enabled_rules() if r.is_evaluated]
    evaluation = evaluate(user, year, within=org, rules=rules)
    own: dict[str, list] = defaultdict(list)
    below = dict.fromkeys(Status.ALL, 0)
    for cell in evaluation.cells:
        if cell.org_id == org.pk:
            own[cell.rule_id].append(cell)
        else:
            below[cell.status] += 1
    judged = below[Status.COMPLIANT] + below[Status.NONCOMPLIANT]
    return {
        "visible": True,
        "org": org,
        "year": year,
        "own": [(r, own[r.id]) for r in rules if r.id in own],
        "below": below,
        "below_rate": round(100 * below[Status.COMPLIANT] / judged) if judged else None,
        "below_judged": judged,
    }


def _year(request) -> int:
    today = timezone.localdate()
    raw = request.GET.get("year", "") if request is not None else ""
    return parse_int(raw, 2018, today.year) or today.year
