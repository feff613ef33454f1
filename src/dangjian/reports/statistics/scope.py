"""Who asks about which subtree and year: the one place the statistics decide their scope.

A member counts in scope S on day d when the org they belonged to on d (members.presence)
lies in S's subtree **and** in the asking user's member scope (`members.view_member`). The
scope is thus a set of orgs at a date, not the members' current orgs: a member who left a
unit during the year is still in its start-of-year total, as the 年报 counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from dangjian.core import bounds
from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import SYSTEM, holds, scope_paths, scope_q
from dangjian.orgs.models import Organization

MEMBER_PERM = "members.view_member"
# The first year a report may ask for: the platform's own records start here (core.bounds).
FIRST_YEAR = bounds.YEAR_MIN


class ScopeError(Exception):
    """A request the statistics refuse, with a Chinese sentence saying what to do."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def year_range(today: dt.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return FIRST_YEAR, today.year


def parse_year(raw: Any, today: dt.date | None = None) -> int:
    """A year from a query parameter or option; empty → last year (the 年报 is made in
    winter for the year just ended). Out of range or not a number → ScopeError (400)."""
    today = today or timezone.localdate()
    lo, hi = year_range(today)
    if raw is None or str(raw).strip() == "":
        return max(lo, today.year - 1)
    year = bounds.parse_int(raw, lo, hi)
    if year is None:
        raise ScopeError(f"统计年度应为 {lo} 至 {hi} 之间的四位年份，例如 {hi - 1}。")
    return year


def default_org(user: Any) -> Organization | None:
    """The top of the user's member scope (the first when they hold several subtrees)."""
    paths = scope_paths(user, MEMBER_PERM)
    if not paths:
        return None
    if "" in paths:
        return Organization.objects.filter(depth=1).order_by("path").first()
    return Organization.objects.filter(path=paths[0]).first()


def resolve_org(user: Any, raw: Any) -> Organization:
    """The org named by id (default: the top of the user's scope), if the user may read its
    members; otherwise ScopeError 404 — the same answer for missing and out of scope."""
    if not holds(user, MEMBER_PERM):
        raise ScopeError("您没有查看党员信息的权限，不能生成党内统计。", status=403)
    if raw is None or str(raw).strip() == "":
        org = default_org(user)
    else:
        pk = bounds.parse_id(raw)
        org = Organization.objects.filter(pk=pk).first() if pk is not None else None
    if org is None or not holds(user, MEMBER_PERM, org.path):
        raise ScopeError(
            "未找到该党组织，或它不在您的统计范围内：请在“统计范围”中选择您管辖的党组织。",
            status=404,
        )
    return org


@dataclass(frozen=True)
class StatScope:
    user: Any
    org: Organization
    year: int
    today: dt.date

    @property
    def start(self) -> dt.date:
        """The first day of the year (events on or after it belong to the year)."""
        return dt.date(self.year, 1, 1)

    @property
    def previous_end(self) -> dt.date:
        """上年末: the day the start-of-year total is counted on."""
        return dt.date(self.year - 1, 12, 31)

    @property
    def as_of(self) -> dt.date:
        """本年末, or today while the year is not over (the tables then say 截至)."""
        return min(dt.date(self.year, 12, 31), self.today)

    @property
    def complete(self) -> bool:
        return self.as_of == dt.date(self.year, 12, 31)

    def path_in(self, field: str) -> Q:
        """`field` (a tree path, possibly an annotation) lies in S and in the user's scope."""
        q = path_prefix_q(field, self.org.path)
        allowed = scope_q(self.user, MEMBER_PERM, field)
        return q & allowed if allowed is not None else Q(pk__in=[])

    def path_ok(self, path: str | None) -> bool:
        """The same test as `path_in`, in Python, for a path read with the row (no query:
        the user's grants are loaded once)."""
        if not path or not path.startswith(self.org.path):
            return False
        return any(path.startswith(p) for p in scope_paths(self.user, MEMBER_PERM))

    def orgs(self) -> QuerySet:
        """Ids of the orgs in scope (for members.presence's subtree)."""
        return Organization.objects.filter(self.path_in("path")).values("pk")


def make_scope(
    user: Any, org_raw: Any = None, year_raw: Any = None, today: dt.date | None = None
) -> StatScope:
    today = today or timezone.localdate()
    org = resolve_org(user, org_raw)
    return StatScope(user=user, org=org, year=parse_year(year_raw, today), today=today)


__all__ = ["SYSTEM", "ScopeError", "StatScope", "make_scope", "parse_year", "resolve_org"]
