"""培训班与夜校 in the demo city (issue 13): filled by the training app's work; writes nothing yet."""

from __future__ import annotations

from dangjian.orgs.models import Organization

from .plan import CityPlan


def write_training(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    return {}


def reset_training() -> None:
    """Delete what write_training wrote (before the members and orgs it names)."""
