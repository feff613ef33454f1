"""A member's yearly 学时 from every source, for the member's page (a core panel) and the
我的 page (a selfservice section). Fixed query count: the yearly sums in one query, the
member's classes of the year with their attended sessions in another."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.core.scoping import holds

from . import hours
from .models import Enrolment

YEARS_SHOWN = 3


def _classes(member: Any, year: int, user: Any) -> list[Enrolment]:
    rows = list(
        hours.with_progress(Enrolment.objects.filter(member=member, training_class__year=year))
        .select_related("training_class__org")
        .order_by("-training_class__starts_on", "pk")
    )
    perm = "training.view_trainingclass"
    member_path = member.org.path
    for e in rows:
        path = e.training_class.org.path
        # Readable when held in the user's scope, or above it (models.TrainingClassQuerySet).
        openable = holds(user, perm, path) or (
            member_path.startswith(path) and holds(user, perm, member_path)
        )
        e.openable = openable  # type: ignore[attr-defined]
    return rows


def _wired() -> bool:
    """The class pages are in the URLconf (another app's test URLconf may leave them out;
    the section links to them, so it stays away then)."""
    try:
        reverse("training:class_list")
    except NoReverseMatch:
        return False
    return True


def build(member: Any, day: dt.date, user: Any) -> dict | None:
    if not _wired():
        return None
    years = hours.member_years(member)[:YEARS_SHOWN]
    classes = _classes(member, day.year, user)
    if not years and not classes:
        return None
    return {"years": years, "classes": classes, "year": day.year}


def my_hours(member: Any, day: dt.date, user: Any) -> dict | None:
    """The 我的 page's section: the member's own rows only."""
    return build(member, day, user)


def member_panel(member: Any, user: Any) -> dict | None:
    """The member page's panel; the page itself is already in the user's scope."""
    context = build(member, timezone.localdate(), user)
    return None if context is None else {"data": context}
