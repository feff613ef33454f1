"""创新案例与党建品牌 in the demo city (issue 13): filled by the cases app's work; writes nothing yet."""

from __future__ import annotations

from dangjian.orgs.models import Organization

from .plan import CityPlan


def write_cases(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    return {}


def reset_cases() -> None:
    """Delete what write_cases wrote (before the members and orgs it names)."""
