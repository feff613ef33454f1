"""Honors on other apps' pages: a member's and an org's detail page (core/panels) and the
member's own 我的 page (selfservice registers `my_honors`). One query each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Honor

SHOWN = 20


def member_honors(member: Any, user: Any) -> dict | None:
    rows = list(
        Honor.objects.restrict(user, "view")
        .filter(member=member)
        .order_by("-decided_on", "-id")[:SHOWN]
    )
    return {"honors": rows} if rows else None


def org_honors(org: Any, user: Any) -> dict | None:
    rows = list(
        Honor.objects.restrict(user, "view")
        .filter(org=org, member__isnull=True)
        .order_by("-decided_on", "-id")[:SHOWN]
    )
    return {"honors": rows} if rows else None


def my_honors(member: Any, day: dt.date, user: Any) -> dict | None:
    """The member's own honors (the member handed in is the signed-in account's own)."""
    rows = list(Honor.objects.filter(member=member).order_by("-decided_on", "-id")[:SHOWN])
    return {"honors": rows} if rows else None
