"""Campaigns (督查活动): who is checked, with which framework version, and the sampling plan.

CONTRACT (implemented by the engine owner; signatures are relied on by views/API/demo):
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from dangjian.orgs.models import Organization

from .models import Assessment, Campaign, Framework


def population(campaign: Campaign) -> QuerySet[Organization]:
    """Orgs of the campaign's target kinds in its scope org's subtree (deterministic order)."""
    raise NotImplementedError


def create_campaign(
    user: Any,
    *,
    name: str,
    campaign_type: str,
    framework: Framework,
    scope_org: Organization,
    target_kinds: list[str],
    period_start: dt.date,
    period_end: dt.date,
    selection: str = "all",
    sample_size: int | None = None,
    sample_ratio: Decimal | None = None,
    seed: int | None = None,
    manual_targets: Iterable[Organization] = (),
    description: str = "",
    liaison_stage: str = "",
) -> Campaign:
    """Validate, create the campaign, select the targets (all / manual / stratified sample)
    and create one Assessment per target; atomic, audited. Raises ValidationError (Chinese)."""
    raise NotImplementedError


def redraw(
    user: Any,
    campaign: Campaign,
    *,
    seed: int | None = None,
    size: int | None = None,
    ratio: Decimal | None = None,
    reason: str = "",
) -> Campaign:
    """Draw the sample again (only while no assessment has results); audited with the reason."""
    raise NotImplementedError


def add_targets(user: Any, campaign: Campaign, orgs: Iterable[Organization]) -> list[Assessment]:
    """Add targets by hand (must be in scope and of a target kind)."""
    raise NotImplementedError


def update_campaign(user: Any, campaign: Campaign, **fields: Any) -> Campaign:
    """Edit name/description/period/status/liaison_stage; audited."""
    raise NotImplementedError


def release_results(user: Any, campaign: Campaign, released: bool = True) -> Campaign:
    """Make the results visible to the target orgs (or hide them again); audited."""
    raise NotImplementedError
