"""评选表彰 in the demo city (issue 13): filled by the honors app's work; writes nothing yet."""

from __future__ import annotations

from dangjian.orgs.models import Organization

from .plan import CityPlan


def write_honors(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    return {}


def reset_honors() -> None:
    """Delete what write_honors wrote (before the members and orgs it names)."""
