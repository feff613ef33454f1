"""志愿服务与双报到 in the demo city (issue 13): filled by the volunteers app's work; writes nothing yet."""

from __future__ import annotations

from dangjian.orgs.models import Organization

from .plan import CityPlan


def write_volunteers(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    return {}


def reset_volunteers() -> None:
    """Delete what write_volunteers wrote (before the members and orgs it names)."""
